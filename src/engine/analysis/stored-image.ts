import type { ImageWaste } from '../../shared/analysis-api'
import { resolveImage, type ResolvedImage, type Store } from '../store'
import { analyzeLayers, type AnalysisLayer, type AnalyzeOptions } from './waste'

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AnalysisError'
  }
}

/** created_by of each non-empty history entry, aligned with the layers ('' where unknown). */
export function createdByOf(image: ResolvedImage): string[] {
  const history = Array.isArray(image.config.history) ? (image.config.history as { created_by?: unknown; empty_layer?: unknown }[]) : []
  const out: string[] = []
  for (const entry of history) {
    if (entry?.empty_layer === true) continue
    out.push(typeof entry?.created_by === 'string' ? entry.created_by : '')
  }
  return out
}

/** The layers of a stored image, each opened from the blob store when the analysis reaches it. */
export function storedImageLayers(store: Store, image: ResolvedImage): AnalysisLayer[] {
  const diffIds = image.config.rootfs?.diff_ids ?? []
  if (diffIds.length !== image.manifest.layers.length) {
    throw new AnalysisError(`the image lists ${diffIds.length} diffIDs for ${image.manifest.layers.length} layers: it cannot be read`)
  }
  const createdBy = createdByOf(image)
  return image.manifest.layers.map((descriptor, index) => ({
    diffId: diffIds[index] ?? '',
    createdBy: createdBy[index] ?? '',
    open: async () => (await store.openBlob(descriptor.digest)) as AsyncIterable<Uint8Array>,
  }))
}

/** Analyzes an image of the store, named by tag, digest or as already resolved. */
export async function analyzeStoredImage(store: Store, image: string | ResolvedImage, options: AnalyzeOptions = {}): Promise<ImageWaste> {
  const resolved = typeof image === 'string' ? await resolveImage(store, image) : image
  const analysis = await analyzeLayers(storedImageLayers(store, resolved), options)
  return { image: resolved.manifestDescriptor.digest, ...analysis }
}
