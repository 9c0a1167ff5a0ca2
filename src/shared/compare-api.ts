import { hasKeys, hasOnlyKeys, isRecord } from './guards'
import { isImageLayersArgs, type ImageSelector } from './layers-api'

/**
 * The compare call of the contract: two images (each a build's result, a stored image or, where
 * the contract knows it, a Docker daemon image) with their layers aligned by the instruction
 * that made them, the size change per layer and in total, and per pair of differing layers the
 * files added, removed or changed.
 *
 * "Changed" means the content (a SHA-256 of the file data, taken while streaming the layer),
 * the type, permission bits, owner, size, link target or extended attributes differ. A path
 * whose only difference is its mtime is listed apart as `mtime-only`: rebuilding a step gives
 * its files new times, so those entries say "rebuilt" rather than "different".
 */

export interface CompareImagesArgs {
  a: ImageSelector
  b: ImageSelector
  /** Most file entries listed per layer pair (the counts are always complete); default 500. */
  fileLimit?: number
}

export type CompareSource = 'build' | 'image' | 'daemon'

export interface ComparedImage {
  /** How the image was named: a build id, an image reference, `docker:REF`. */
  label: string
  source: CompareSource
  /** The manifest digest (store) or image ID (daemon). */
  image: string
  buildId?: string
  totalSize: number
  layerCount: number
  /**
   * False when the file contents of this image's layers cannot be hashed (a daemon image read
   * through `docker save` records metadata only): files then count as changed on metadata alone.
   */
  contentHashes: boolean
}

/**
 * same: identical diffIDs, nothing read. changed: matched by instruction, and some file differs.
 * rebuilt: different layer bytes but no file differs beyond its mtime (the step ran again on
 * the same inputs: a changed layer below it broke the cache). added: only B has the layer (an
 * inserted step). removed: only A has it.
 */
export type LayerPairStatus = 'same' | 'changed' | 'rebuilt' | 'added' | 'removed'

export interface CompareLayerSide {
  /** 0 = the bottom (base) layer of that image. */
  index: number
  diffId?: string
  /** Uncompressed bytes of the layer tar. */
  size: number
  /** The instruction as the build step or the history has it. */
  instruction: string
  /** 'base' for layers no step of the build made (or any layer of a plain image). */
  origin: 'base' | 'built' | 'cached'
  /** Dockerfile line of the step, for build layers. */
  line?: number
}

export type FileChangeKind = 'added' | 'removed' | 'changed' | 'mtime-only'
export type FileDifference = 'content' | 'type' | 'mode' | 'owner' | 'size' | 'link' | 'xattrs' | 'mtime'
export type CompareFileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'whiteout' | 'opaque'

/** A path as one layer has it (whiteout / opaque: the layer deletes / hides it). */
export interface CompareFileSide {
  type: CompareFileType
  mode: number
  uid: number
  gid: number
  size: number
  /** Seconds; absent where the source does not record it. */
  mtime?: number
  linkTarget?: string
}

export interface CompareFileChange {
  path: string
  change: FileChangeKind
  /** The path in A's layer (absent when added). */
  a?: CompareFileSide
  /** The path in B's layer (absent when removed). */
  b?: CompareFileSide
  /** For changed and mtime-only: what differs. */
  differences?: FileDifference[]
}

export interface CompareFileCounts {
  added: number
  removed: number
  changed: number
  mtimeOnly: number
}

export interface CompareFiles {
  counts: CompareFileCounts
  /** Changed first, then added, removed, mtime-only; by path within each. At most `fileLimit`. */
  entries: CompareFileChange[]
  /** Entries left off past the limit. */
  more: number
  /** Bytes of file data B's layer has that A's has not (negative: fewer), over added/removed/changed files. */
  sizeDelta: number
}

export interface CompareRow {
  status: LayerPairStatus
  /** The pair matched out of order (a step that moved). */
  moved?: true
  a?: CompareLayerSide
  b?: CompareLayerSide
  /** b.size - a.size, with a missing side as 0. */
  sizeDelta: number
  /** Set for every row but same ones. */
  files?: CompareFiles
}

export interface CompareView {
  a: ComparedImage
  b: ComparedImage
  /** In image order: A's order for rows A has, inserted rows where B has them. */
  rows: CompareRow[]
  /** b.totalSize - a.totalSize. */
  totalDelta: number
}

const isFileLimit = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000

/** A selector as imageLayers takes it (so a selector kind added there is accepted here too). */
const isSelector = (v: unknown): v is ImageSelector => isImageLayersArgs(v)

export function isCompareImagesArgs(value: unknown): value is CompareImagesArgs {
  return isRecord(value) && hasKeys(value, ['a', 'b']) && hasOnlyKeys(value, { a: isSelector, b: isSelector, fileLimit: isFileLimit })
}

/** The instruction a compared layer pair shows: B's (or A's), without BuildKit's ` # buildkit` history suffix. */
export function compareRowInstruction(row: CompareRow): string {
  return ((row.b ?? row.a)?.instruction ?? '').replace(/ # buildkit$/, '') || '(no history)'
}
