import { posix } from 'node:path'

/**
 * Paths inside a layer are relative, '/'-separated and clean: `etc/passwd`, never `/etc/passwd`,
 * `./etc/passwd` or `etc//passwd`. The root itself is ''. Directories carry no trailing slash
 * here; the slash is added only in the tar header name, where Docker writes it.
 */
export class LayerPathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`layer path ${JSON.stringify(path)}: ${reason}`)
    this.name = 'LayerPathError'
  }
}

/**
 * Clean a path given by a caller (writer input). Leading '/' and './' are dropped; '..' that
 * would climb above the root is an error, never silently clamped: a caller asking for it has a
 * bug we want to hear about.
 */
export function cleanLayerPath(input: string): string {
  if (input.includes('\0')) throw new LayerPathError(input, 'contains a NUL byte')
  const clean = cleanArchivePath(input)
  if (clean === undefined) throw new LayerPathError(input, 'climbs above the layer root')
  return clean
}

/**
 * Clean a path read from an archive. Unlike cleanLayerPath, the verdict is returned rather than
 * thrown so readers can name the entry in their own error. Absolute names are taken relative to
 * the root (Docker and containerd join them onto it); '..' climbing above the root — anywhere,
 * also `a/../../x` or `/../x` — gives undefined.
 */
export function cleanArchivePath(name: string): string | undefined {
  if (name.includes('\0')) return undefined
  const relative = posix.normalize(name.replace(/^\/+/, '') || '.')
  if (relative === '..' || relative.startsWith('../')) return undefined
  return relative === '.' || relative === './' ? '' : relative.replace(/\/+$/, '')
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash)
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

export function joinLayerPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}

/** Every ancestor of a path, root excluded, outermost first: `a/b/c` → `a`, `a/b`. */
export function ancestors(path: string): string[] {
  const out: string[] = []
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i))
  return out
}

/**
 * Where an entry sorts within its directory. Opaque markers and whiteouts go first so that a
 * reader applying entries in order has hidden lower content before this layer's own siblings
 * arrive (the OCI spec's "whiteouts SHOULD appear before sibling entries").
 */
export const SortRank = { Opaque: 1, Whiteout: 2, Entry: 3 } as const
export type SortRank = (typeof SortRank)[keyof typeof SortRank]

/**
 * A byte key whose plain comparison gives the order of a depth-first walk with each directory's
 * names sorted bytewise (Go's sort.Strings on UTF-8, as containerd's and BuildKit's walks do).
 * Plain string order is not that order: `a-c` < `a/b` as strings, but the walk emits `a`, `a/b`,
 * `a-c`. Mapping the separator to 0x00 (which no name contains) and prefixing each segment with
 * its rank restores the walk order while keeping parents before children.
 */
export function layerSortKey(path: string, lastRank: SortRank = SortRank.Entry): Buffer {
  if (path === '') return Buffer.alloc(0)
  const last = path.lastIndexOf('/')
  // Control bytes 0x00-0x03 are single bytes in UTF-8, so building the key as a string and
  // encoding once is both exact and fast.
  const head = last < 0 ? '' : ENTRY_RANK + path.slice(0, last).replaceAll('/', SEPARATOR + ENTRY_RANK) + SEPARATOR
  return Buffer.from(head + String.fromCharCode(lastRank) + path.slice(last + 1), 'utf8')
}

const SEPARATOR = '\u0000'
const ENTRY_RANK = String.fromCharCode(SortRank.Entry)

/** Compare two clean layer paths in walk order (see layerSortKey). */
export function compareLayerPaths(a: string, b: string): number {
  return Buffer.compare(layerSortKey(a), layerSortKey(b))
}
