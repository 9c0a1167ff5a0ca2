import type { LayerEntry } from './layer-entry'
import { LayerPathError, ancestors, baseName, cleanLayerPath, joinLayerPath, parentPath } from './layer-paths'

/**
 * OCI whiteouts (image-spec layer.md, inherited from AUFS): `.wh.<name>` deletes <name> of lower
 * layers; `.wh..wh..opq` in a directory hides everything lower layers had in it. Other
 * `.wh..wh.*` names are AUFS bookkeeping that must never be applied as content.
 */
export const WHITEOUT_PREFIX = '.wh.'
export const WHITEOUT_META_PREFIX = '.wh..wh.'
export const OPAQUE_MARKER = '.wh..wh..opq'

/** Extended attributes by which overlayfs marks an upper directory opaque (the second with `userxattr`). */
export const OVERLAY_OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'] as const
/** Newer overlayfs (6.7+) can also express a whiteout as a file with this xattr. */
export const OVERLAY_WHITEOUT_XATTRS = ['trusted.overlay.whiteout', 'user.overlay.whiteout'] as const
/** Upper-dir features a plain walk cannot translate (renamed dirs, data kept in lower layers). */
export const OVERLAY_UNSUPPORTED_XATTRS = ['trusted.overlay.redirect', 'user.overlay.redirect', 'trusted.overlay.metacopy', 'user.overlay.metacopy'] as const

export const isOverlayXattr = (name: string): boolean => name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')

/** Tar member name of the whiteout that deletes `path`. */
export function whiteoutPath(path: string): string {
  return joinLayerPath(parentPath(path), WHITEOUT_PREFIX + baseName(path))
}

/** Tar member name of the marker that makes directory `dir` opaque ('' is the root). */
export function opaqueMarkerPath(dir: string): string {
  return joinLayerPath(dir, OPAQUE_MARKER)
}

export type WhiteoutMeaning =
  /** Delete `target` (and everything under it) from lower layers. */
  | { kind: 'whiteout'; target: string }
  /** Hide everything lower layers had under `dir`. */
  | { kind: 'opaque'; dir: string }
  /** AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`): skip, never extract. */
  | { kind: 'meta' }

/** What a clean member path means if its base name is a whiteout name; undefined for content. */
export function classifyWhiteout(path: string): WhiteoutMeaning | undefined {
  const base = baseName(path)
  if (!base.startsWith(WHITEOUT_PREFIX)) {
    // Members *inside* an AUFS meta directory (`.wh..wh.plnk/123`) are bookkeeping too.
    return path.includes(`/${WHITEOUT_META_PREFIX}`) || path.startsWith(WHITEOUT_META_PREFIX) ? { kind: 'meta' } : undefined
  }
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir: parentPath(path) }
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' }
  const name = base.slice(WHITEOUT_PREFIX.length)
  if (name === '' || name === '.' || name === '..') return { kind: 'meta' }
  return { kind: 'whiteout', target: joinLayerPath(parentPath(path), name) }
}

/** Names a layer's content may not use, because every reader would take them for whiteouts. */
export function isReservedName(name: string): boolean {
  return name.startsWith(WHITEOUT_PREFIX)
}

/**
 * Whiteout entries for a set of deleted paths and directories made opaque. Deletions already
 * implied by a deleted or opaque ancestor are dropped: a reader would do nothing with them, and
 * leaving them out keeps the layer the same however the caller listed its deletions.
 */
export function whiteoutEntries(deleted: Iterable<string>, opaqueDirs: Iterable<string> = []): LayerEntry[] {
  const opaque = new Set<string>()
  for (const dir of opaqueDirs) opaque.add(cleanLayerPath(dir))
  const gone = new Set<string>()
  for (const path of deleted) {
    const clean = cleanLayerPath(path)
    if (clean === '') throw new LayerPathError(path, 'the root directory cannot be deleted by a whiteout')
    gone.add(clean)
  }
  const covered = (path: string): boolean => ancestors(path).some((a) => gone.has(a) || opaque.has(a)) || opaque.has('')
  const out: LayerEntry[] = []
  for (const path of gone) if (!covered(path)) out.push({ type: 'whiteout', path })
  for (const dir of opaque) if (!ancestors(dir).some((a) => gone.has(a)) && !gone.has(dir)) out.push({ type: 'opaque', path: dir })
  return out
}

/** Linux dev_t → major/minor, as glibc's gnu_dev_major/minor decode it. */
export function splitDeviceNumber(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)
  return { major: Number(major), minor: Number(minor) }
}
