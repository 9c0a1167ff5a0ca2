import type { Readable } from 'node:stream'

/**
 * Where a regular file's bytes come from. Entries are sorted before anything is written, so
 * content is a recipe, opened only when its turn comes — never an already-open stream, which
 * would keep thousands of descriptors open while the list is sorted.
 */
export type FileContent =
  /** `noFollow`: fail (ELOOP) rather than read through a symlink that replaced the file. */
  | { readonly from: 'file'; readonly path: string; readonly noFollow?: boolean }
  | { readonly from: 'stream'; readonly open: () => Readable | AsyncIterable<Uint8Array> }
  | { readonly from: 'bytes'; readonly bytes: Uint8Array }

interface EntryBase {
  /** Path in the layer: relative or absolute, cleaned by the writer (`/etc/x` → `etc/x`). */
  readonly path: string
}

interface Metadata {
  /** Permission bits including setuid/setgid/sticky (07777); file-type bits are ignored. */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  /** Whole seconds since the epoch; fractions are dropped (Docker truncates too). */
  readonly mtime: number
  readonly uname?: string
  readonly gname?: string
  readonly xattrs?: Readonly<Record<string, Uint8Array>>
}

export type FileEntry = EntryBase & Metadata & { readonly type: 'file'; readonly size: number; readonly content: FileContent }
export type DirEntry = EntryBase & Metadata & { readonly type: 'dir' }
export type SymlinkEntry = EntryBase & Metadata & { readonly type: 'symlink'; readonly linkTarget: string }
/**
 * Another name for a file of this layer. The writer makes whichever name sorts first the one
 * that carries the data, and every other name a typeflag-1 link to it, whatever the caller said.
 */
export type HardlinkEntry = EntryBase & { readonly type: 'hardlink'; readonly linkTarget: string }
export type DeviceEntry = EntryBase & Metadata & { readonly type: 'char' | 'block'; readonly devMajor: number; readonly devMinor: number }
export type FifoEntry = EntryBase & Metadata & { readonly type: 'fifo' }
/** The path existed in a lower layer and is deleted: written as `<dir>/.wh.<name>`. */
export type WhiteoutEntry = EntryBase & { readonly type: 'whiteout' }
/** The directory hides everything lower layers had in it: written as `<dir>/.wh..wh..opq`. */
export type OpaqueEntry = EntryBase & { readonly type: 'opaque' }

export type LayerEntry = FileEntry | DirEntry | SymlinkEntry | HardlinkEntry | DeviceEntry | FifoEntry | WhiteoutEntry | OpaqueEntry

export type LayerEntryType = LayerEntry['type']

/**
 * SOURCE_DATE_EPOCH-style clamping: no entry newer than `epoch` (seconds). Older times are kept,
 * as BuildKit's rewrite-timestamp does, so untouched base files keep their history.
 */
export function clampMtime(entry: LayerEntry, epoch: number): LayerEntry {
  if (!('mtime' in entry) || entry.mtime <= epoch) return entry
  return { ...entry, mtime: epoch }
}
