import type { ImageWaste } from '../../shared/analysis-api'
import { ApiError } from '../../shared/errors'
import type { ImageSelector } from '../../shared/layers-api'
import { toBuildView } from '../api-records'
import { DaemonImages } from '../docker/daemon-layers'
import { readBuild, resolveImage, type ResolvedImage, type Store } from '../store'
import { recordsFromLayerDiff } from './daemon-records'
import { storeProblem } from './store-problem'
import { analyzeStoredImage } from './stored-image'
import { analyzeRecords } from './waste'

export interface ImageAnalyzerOptions {
  store: () => Promise<Store>
  env?: NodeJS.ProcessEnv
  /** Where daemon images are read; default: the daemon discovery finds in `env`. */
  daemon?: DaemonImages
  /** Analyses kept by manifest digest (an image's layers never change); default 16. */
  cached?: number
}

export interface ImageAnalyzer {
  analyze(selector: ImageSelector, options?: { limit?: number }): Promise<ImageWaste>
}

/**
 * Waste analyses of builds' images, stored images and Docker daemon images. Store images are
 * read blob by blob with contents hashed; daemon images through `docker save`, metadata only.
 */
export function createImageAnalyzer(options: ImageAnalyzerOptions): ImageAnalyzer {
  const daemon = options.daemon ?? new DaemonImages(options.env ?? process.env)
  const limit = options.cached ?? 16
  /** Key: manifest digest and list limit. Insertion order is use order (LRU). */
  const done = new Map<string, Promise<ImageWaste>>()

  async function locate(store: Store, selector: { buildId: string } | { image: string }): Promise<{ image: ResolvedImage; buildId?: string }> {
    if ('image' in selector) {
      try {
        return { image: await resolveImage(store, selector.image) }
      } catch (error) {
        storeProblem(error, `image ${selector.image}`)
      }
    }
    const id = selector.buildId
    let view
    try {
      view = toBuildView(await readBuild(store, id))
    } catch (error) {
      storeProblem(error, `build ${id}`)
    }
    if (!view.image) {
      const why = view.status === 'running' ? 'is still running' : view.status === 'succeeded' ? 'kept no image' : `${view.status} before making an image`
      throw new ApiError({ code: 'not-found', message: `build ${id} ${why}, so there is no image to analyze` })
    }
    try {
      return { image: await resolveImage(store, view.image.digest), buildId: id }
    } catch (error) {
      storeProblem(error, `the image of build ${id}`)
    }
  }

  async function analyzeStored(selector: { buildId: string } | { image: string }, listLimit: number | undefined): Promise<ImageWaste> {
    const store = await options.store()
    const { image, buildId } = await locate(store, selector)
    const key = `${image.manifestDescriptor.digest} ${listLimit ?? ''}`
    let pending = done.get(key)
    if (pending) done.delete(key)
    else {
      pending = analyzeStoredImage(store, image, listLimit === undefined ? {} : { limit: listLimit })
      // A failed analysis is not remembered: the next ask tries again.
      pending.catch(() => done.delete(key))
    }
    done.set(key, pending)
    while (done.size > limit) {
      const oldest = done.keys().next().value
      if (oldest === undefined) break
      done.delete(oldest)
    }
    let result: ImageWaste
    try {
      result = await pending
    } catch (error) {
      storeProblem(error, buildId ? `the image of build ${buildId}` : `image ${'image' in selector ? selector.image : image.manifestDescriptor.digest}`)
    }
    return buildId ? { ...result, buildId } : result
  }

  async function analyzeDaemon(ref: string, listLimit: number | undefined): Promise<ImageWaste> {
    const view = await daemon.open(ref)
    const layers = view.layers.map((layer) => ({ diffId: layer.diffId ?? '', createdBy: layer.createdBy ?? '', records: recordsFromLayerDiff(layer.diff) }))
    const analysis = await analyzeRecords(layers, { contentHashed: false, ...(listLimit === undefined ? {} : { limit: listLimit }) })
    return { image: view.id, ...analysis }
  }

  return {
    analyze(selector, analyzeOptions = {}) {
      if ('daemonImage' in selector) return analyzeDaemon(selector.daemonImage, analyzeOptions.limit)
      return analyzeStored(selector, analyzeOptions.limit)
    },
  }
}
