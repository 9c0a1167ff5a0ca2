import { hasKeys, hasOnlyKeys, isRecord } from './guards'

/**
 * The image-list call of the contract: the images a source holds, for picking one to open in
 * the layer views (`imageLayers({ image })` for the store, `imageLayers({ daemonImage })` for
 * the Docker daemon).
 */

/** Where images are listed from: Layerlab's own store or the Docker daemon the engine found. */
export type ImageSource = 'store' | 'docker'

export interface ListImagesArgs {
  source: ImageSource
}

export interface ImageListEntry {
  source: ImageSource
  /**
   * What to open it by: its first tag (`app:1`), or its id when it has no tag. Pass it as
   * `image` (store) or `daemonImage` (docker) to `imageLayers` / `layerFileTree`.
   */
  ref: string
  /** Store: the manifest digest. Docker: the image id (the config digest). */
  id: string
  /** Every tag naming it (`name:tag`); empty for an untagged image. */
  tags: string[]
  /**
   * Bytes, as the source counts them: the store, config and layer blobs as stored (compressed);
   * the daemon, its own size (the unpacked files). Open the image for the comparable per-layer
   * sizes (`ImageLayer.size`, uncompressed tars, the same for both sources).
   */
  size: number
  /** ISO 8601 creation time from the image config ('' when the image has none). */
  created: string
  /** How many layers (absent when the source does not say without reading the image). */
  layers?: number
}

const sources: readonly ImageSource[] = ['store', 'docker']

export function isImageSource(value: unknown): value is ImageSource {
  return typeof value === 'string' && (sources as readonly string[]).includes(value)
}

export function isListImagesArgs(value: unknown): value is ListImagesArgs {
  return isRecord(value) && hasKeys(value, ['source']) && hasOnlyKeys(value, { source: isImageSource })
}
