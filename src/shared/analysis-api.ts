import { isImageLayersArgs, type ImageSelector } from './layers-api'

/**
 * The waste analysis of an image: what its layers store that the final image cannot see.
 *
 * Definitions (the engine's src/engine/analysis/waste.ts explains how they relate to dive's):
 * - a *copy* is one regular file's data as one layer stores it (hard-linked names in a layer
 *   share one copy);
 * - a copy is *dead* when no name in the final image refers to it any more: a later layer
 *   overwrote or deleted every name it had (a whiteout, an opaque directory, or a replacement);
 * - wasted bytes = the sizes of the dead copies, each copy counted once however many later layers
 *   touch its path again;
 * - efficiency = live bytes / stored bytes, where stored bytes are the file data of every layer
 *   (1 when the layers store no file data).
 */

export type AnalyzeImageArgs = ImageSelector

export interface LayerWaste {
  /** 0 = the bottom (base) layer. */
  index: number
  diffId: string
  /** The image history's created_by for this layer ('' when the history has none). */
  createdBy: string
  /** Bytes of regular-file data this layer stores. */
  storedBytes: number
  /** Bytes of this layer's copies that later layers overwrote or deleted. */
  wastedBytes: number
  /** Bytes of lower layers' copies this layer overwrote or deleted (made dead). */
  discardedBytes: number
}

/** Dead copies grouped by the path a later layer overwrote or deleted (a directory, for `rm -r`). */
export interface WastedPath {
  /** Relative, '/'-separated: the file overwritten or deleted, or the directory deleted or made opaque. */
  path: string
  wastedBytes: number
  /** Dead copies grouped here. */
  copies: number
  /** Layers that wrote the dead copies, ascending. */
  writtenIn: number[]
  /** Layers that overwrote or deleted them, ascending. */
  removedIn: number[]
  /** Whether the path is still in the final image (its earlier copies were overwritten, not deleted). */
  stillPresent: boolean
  /** Dead copies whose replacement had the very same bytes (a chmod, chown or touch in a later step). */
  unchangedRewrites: number
}

export interface ImageFile {
  path: string
  size: number
  /** The layer whose copy the final image shows. */
  layer: number
}

/** One content stored by more than one layer and visible more than once in the final image. */
export interface DuplicateGroup {
  /** sha256 of the content. */
  digest: string
  /** Bytes of one copy. */
  size: number
  /** The live copies, by layer then path. */
  files: ImageFile[]
  /** Bytes saved if the content were stored once: size × (copies − 1). */
  reclaimableBytes: number
}

export interface ImageWaste {
  /** The manifest digest (store images) or image ID (daemon images). */
  image: string
  buildId?: string
  layers: LayerWaste[]
  /** Regular-file data of all layers together. */
  storedBytes: number
  /** Regular-file data the final image shows (each copy once, even with several hard links). */
  liveBytes: number
  /** storedBytes − liveBytes: the dead copies. */
  wastedBytes: number
  /** liveBytes / storedBytes, 1 when nothing is stored. */
  efficiency: number
  /** The wasted paths with the most bytes first (at most `limit`); `wastedPathCount` has them all. */
  wastedPaths: WastedPath[]
  wastedPathCount: number
  /** The largest files of the final image, largest first (at most `limit`). */
  biggestFiles: ImageFile[]
  /** Duplicate contents, most reclaimable bytes first (at most `limit`). */
  duplicates: DuplicateGroup[]
  duplicateGroupCount: number
  /** The sum of reclaimableBytes over every duplicate group. */
  duplicateBytes: number
  /** How many entries each list above holds at most. */
  limit: number
  /**
   * Whether file contents were hashed. Docker daemon images are read as file metadata only, so
   * their duplicates are not looked for (the list is empty because nobody looked, not because
   * there are none).
   */
  contentHashed: boolean
}

export function isAnalyzeImageArgs(value: unknown): value is AnalyzeImageArgs {
  return isImageLayersArgs(value)
}
