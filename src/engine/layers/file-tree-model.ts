/**
 * What the UI shows about a layer's files: plain JSON-able data (no classes, no Buffers, no
 * Maps), so these types can move to src/shared unchanged. Paths are layer paths: relative,
 * '/'-separated, no trailing slash; the root directory is ''.
 */

export type FileNodeType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo'

export interface FileTreeEntry {
  path: string
  type: FileNodeType
  /** Permission bits incl. setuid/setgid/sticky (07777). */
  mode: number
  uid: number
  gid: number
  /** Bytes of file data (0 for everything but regular files; hard links share their target's). */
  size: number
  /** Symlink target as stored, or the hard link's first path. */
  linkTarget?: string
}

export type ChangeKind = 'added' | 'modified' | 'removed'

export interface LayerChangeEntry {
  path: string
  change: ChangeKind
  /** The path as this layer leaves it; absent when removed. */
  entry?: FileTreeEntry
  /** The path as the layers below had it; absent when added. */
  previous?: FileTreeEntry
  /** A directory the layer never names but needs as a parent (created 0755 root:root on apply). */
  implicit?: true
}

/** Per-directory totals of one layer's changes under it (recursive); '' is the whole layer. */
export interface DirectoryRollup {
  path: string
  /** Bytes of file data this layer adds or rewrites under the directory. */
  size: number
  /** Bytes of lower file data this layer removes under the directory. */
  removedSize: number
  added: number
  modified: number
  removed: number
}

export interface LayerDiff {
  /** Position in the stack, 0 = base layer. */
  index: number
  /** Every changed path, parents before children. */
  changes: LayerChangeEntry[]
  /** Only directories that have changes under them, parents before children. */
  directories: DirectoryRollup[]
  /** Members in the layer tar, whiteout markers included. */
  entryCount: number
  /** Whiteouts and opaque markers in the layer (including ones with nothing below to hide). */
  whiteoutCount: number
}

/** A node of the merged file tree (the image as seen after some layer). */
export interface FileTreeNode {
  name: string
  path: string
  type: FileNodeType
  mode: number
  uid: number
  gid: number
  size: number
  linkTarget?: string
  /** Index of the layer that last wrote this path. */
  layer: number
  /** Directories: bytes of all files below; others: own size. */
  totalSize: number
  /** Directories only, sorted by name. */
  children?: FileTreeNode[]
}
