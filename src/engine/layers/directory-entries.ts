import type { BigIntStats } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { LayerEntry } from './layer-entry'
import { cleanLayerPath, joinLayerPath } from './layer-paths'
import {
  OVERLAY_OPAQUE_XATTRS,
  OVERLAY_UNSUPPORTED_XATTRS,
  OVERLAY_WHITEOUT_XATTRS,
  isOverlayXattr,
  isReservedName,
  splitDeviceNumber,
} from './whiteouts'

/**
 * Reads a path's extended attributes (name → value). Node has no xattr API, so the caller that
 * has a way (a helper binary, a native addon, the sandbox runtime) passes one in.
 */
export type XattrReader = (absolutePath: string) => Promise<Record<string, Uint8Array>>

export interface DirectoryEntriesOptions {
  /**
   * Treat `dir` as an overlayfs upper directory: char devices 0/0 become `.wh.` whiteouts, and
   * directories whose opaque xattr is "y" get `.wh..wh..opq`. Opaque markers need `readXattrs`
   * or `opaqueDirs`. Mount the overlay with redirect_dir=off and metacopy=off: a walk cannot
   * translate a renamed directory or a file whose data stayed below.
   */
  overlayUpper?: boolean
  /** Directories (layer paths) known to be opaque, for callers that track them without xattrs. */
  opaqueDirs?: Iterable<string>
  readXattrs?: XattrReader
  /** Which xattrs to keep in the layer (overlayfs' own are always dropped). Default: all. */
  keepXattr?: (name: string) => boolean
  /** Rewrite or drop (return undefined) an entry, e.g. to reset owners. Whiteouts are not passed. */
  transform?: (entry: LayerEntry, stats: BigIntStats) => LayerEntry | undefined
  /** Sockets (and anything else tar cannot hold) are skipped; this hears about them. */
  onSkip?: (path: string, reason: string) => void
  /** Parallel lstat calls per directory. */
  concurrency?: number
}

export class SnapshotError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`snapshot ${JSON.stringify(path)}: ${reason}`)
    this.name = 'SnapshotError'
  }
}

/** Whole seconds, rounding toward minus infinity also before 1970. */
function seconds(ns: bigint): number {
  const s = ns / 1_000_000_000n
  return Number(ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s)
}

const hasValue = (xattrs: Record<string, Uint8Array>, names: readonly string[]): string | undefined => {
  for (const name of names) {
    const value = xattrs[name]
    if (value !== undefined) return Buffer.from(value).toString('latin1')
  }
  return undefined
}

/**
 * The entries of a snapshot directory as a layer: lstat-based (symlinks are never followed),
 * hard links found by (device, inode), whiteouts translated when it is an overlay upper dir.
 * The root directory itself is not an entry. Order does not matter: the writer sorts.
 */
export async function directoryEntries(dir: string, options: DirectoryEntriesOptions = {}): Promise<LayerEntry[]> {
  const out: LayerEntry[] = []
  const firstNameOfInode = new Map<string, string>()
  const opaque = new Set([...(options.opaqueDirs ?? [])].map(cleanLayerPath))
  const keepXattr = options.keepXattr ?? (() => true)
  const concurrency = options.concurrency ?? 32

  const visit = async (absolute: string, path: string, stats: BigIntStats): Promise<string[]> => {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (options.overlayUpper && stats.isCharacterDevice() && stats.rdev === 0n) {
      // overlayfs may hard-link all its whiteouts to one inode: they are never hard links to us.
      out.push({ type: 'whiteout', path })
      return []
    }
    if (isReservedName(name)) throw new SnapshotError(path, `"${name}" would be read as a whiteout by every layer reader`)
    const xattrs = options.readXattrs && !stats.isSymbolicLink() ? await options.readXattrs(absolute) : {}
    if (options.overlayUpper) {
      const unsupported = OVERLAY_UNSUPPORTED_XATTRS.find((x) => xattrs[x] !== undefined)
      if (unsupported) throw new SnapshotError(path, `overlayfs ${unsupported} cannot be turned into a layer (mount with redirect_dir=off,metacopy=off)`)
      if (stats.isFile() && hasValue(xattrs, OVERLAY_WHITEOUT_XATTRS) !== undefined) {
        out.push({ type: 'whiteout', path })
        return []
      }
      if (stats.isDirectory() && hasValue(xattrs, OVERLAY_OPAQUE_XATTRS) === 'y') opaque.add(path)
    }
    const kept: Record<string, Uint8Array> = {}
    for (const [key, value] of Object.entries(xattrs)) if (!isOverlayXattr(key) && keepXattr(key)) kept[key] = value
    const meta = {
      path,
      mode: Number(stats.mode & 0o7777n),
      uid: Number(stats.uid),
      gid: Number(stats.gid),
      mtime: seconds(stats.mtimeNs),
      ...(Object.keys(kept).length > 0 ? { xattrs: kept } : {}),
    }
    let entry: LayerEntry | undefined
    let children: string[] = []
    if (stats.isDirectory()) {
      entry = { ...meta, type: 'dir' }
      children = await readdir(absolute)
    } else if (stats.isSymbolicLink()) {
      entry = { ...meta, type: 'symlink', linkTarget: await readlink(absolute) }
    } else if (stats.isFile() || stats.isCharacterDevice() || stats.isBlockDevice() || stats.isFIFO()) {
      const inode = `${stats.dev}:${stats.ino}`
      const first = stats.nlink > 1n ? firstNameOfInode.get(inode) : undefined
      if (first !== undefined) {
        // The writer decides which name carries the data; any name of the inode will do here.
        out.push({ type: 'hardlink', path, linkTarget: first })
        return []
      }
      if (stats.nlink > 1n) firstNameOfInode.set(inode, path)
      if (stats.isFile()) entry = { ...meta, type: 'file', size: Number(stats.size), content: { from: 'file', path: absolute } }
      else if (stats.isFIFO()) entry = { ...meta, type: 'fifo' }
      else {
        const { major, minor } = splitDeviceNumber(stats.rdev)
        entry = { ...meta, type: stats.isCharacterDevice() ? 'char' : 'block', devMajor: major, devMinor: minor }
      }
    } else {
      options.onSkip?.(path, 'sockets cannot be stored in a tar archive')
      return []
    }
    const transformed = options.transform ? options.transform(entry, stats) : entry
    if (transformed) out.push(transformed)
    return children
  }

  const walk = async (absolute: string, path: string, names: string[]): Promise<void> => {
    names.sort() // readdir order varies by filesystem; inode bookkeeping should not
    const subdirs: [string, string, string[]][] = []
    for (let i = 0; i < names.length; i += concurrency) {
      const batch = names.slice(i, i + concurrency)
      const stats = await Promise.all(batch.map((name) => lstat(join(absolute, name), { bigint: true })))
      // Visit sequentially: hard-link bookkeeping must not race.
      for (const [j, name] of batch.entries()) {
        const childAbsolute = join(absolute, name)
        const childPath = joinLayerPath(path, name)
        const s = stats[j]
        if (!s) continue
        const grandchildren = await visit(childAbsolute, childPath, s)
        if (s.isDirectory()) subdirs.push([childAbsolute, childPath, grandchildren])
      }
    }
    for (const [a, p, n] of subdirs) await walk(a, p, n)
  }

  const rootStats = await lstat(dir, { bigint: true })
  if (!rootStats.isDirectory()) throw new SnapshotError(dir, 'is not a directory')
  if (options.overlayUpper && options.readXattrs) {
    const rootXattrs = await options.readXattrs(dir)
    if (hasValue(rootXattrs, OVERLAY_OPAQUE_XATTRS) === 'y') opaque.add('')
  }
  await walk(dir, '', await readdir(dir))
  for (const path of opaque) out.push({ type: 'opaque', path })
  return out
}
