import type { StepFinishedEvent } from '../shared/build-events'
import type { ApiHandlers } from '../shared/contract'
import { ApiError } from '../shared/errors'
import type { ImageLayer, ImageLayersView, ImageSelector, LayerFileEntry, LayerFileTree } from '../shared/layers-api'
import { toBuildView } from './api-records'
import { ImageIoError, cachedLayerSizes, layerSizes } from './image-io'
import { diffLayerStack, type LayerChangeEntry, type LayerDiff, type LayerSource } from './layers'
import { StoreError, readBuild, resolveImage, type ResolvedImage, type Store } from './store'

type LayerHandlers = Pick<ApiHandlers, 'imageLayers' | 'layerFileTree'>

export interface LayerApiOptions {
  store: () => Promise<Store>
  /** How many diffed layers to keep in memory (each holds its changed paths); default 256. */
  cachedLayers?: number
}

interface Located {
  image: ResolvedImage
  /** The manifest digest. */
  digest: string
  buildId?: string
  steps: StepFinishedEvent[]
}

/** The user's words for a store or image problem; anything else is passed on. */
function userError(error: unknown, what: string): never {
  if (error instanceof ApiError) throw error
  if ((error instanceof StoreError || error instanceof ImageIoError) && error.code === 'not-found') {
    throw new ApiError({ code: 'not-found', message: `${what} is not in the store (it may have been pruned): ${error.message}` })
  }
  if (error instanceof StoreError && (error.code === 'invalid-reference' || error.code === 'invalid-digest' || error.code === 'invalid-argument')) {
    throw new ApiError({ code: 'bad-request', message: error.message })
  }
  if (error instanceof StoreError || error instanceof ImageIoError) {
    throw new ApiError({ code: 'internal', message: `could not read ${what}: ${error.message}` })
  }
  throw error
}

/**
 * Which steps made which layers: the steps of the image's stage that have a layer, matched
 * from the top of the image down (the build's own layers are the top ones). A layer whose
 * diffID no step of that stage reports came from the base image.
 */
export function matchSteps(diffIds: readonly string[], steps: readonly StepFinishedEvent[]): (StepFinishedEvent | undefined)[] {
  const layered = steps.filter((s) => s.layer !== undefined)
  const out: (StepFinishedEvent | undefined)[] = diffIds.map(() => undefined)
  if (layered.length === 0) return out
  const finalStage = Math.max(...layered.map((s) => s.stage.index))
  const candidates = layered.filter((s) => s.stage.index === finalStage).sort((a, b) => a.index - b.index)
  let next = candidates.length - 1
  for (let i = diffIds.length - 1; i >= 0 && next >= 0; i--) {
    const step = candidates[next]
    if (step?.layer?.diffId !== diffIds[i]) break
    out[i] = step
    next--
  }
  return out
}

function createdByOf(image: ResolvedImage): string[] {
  const history = Array.isArray(image.config.history) ? (image.config.history as { created_by?: unknown; empty_layer?: unknown }[]) : []
  const out: string[] = []
  for (const entry of history) {
    if (entry?.empty_layer === true) continue
    out.push(typeof entry?.created_by === 'string' ? entry.created_by : '')
  }
  return out
}

function toFileEntry(change: LayerChangeEntry): LayerFileEntry | undefined {
  const entry = change.change === 'removed' ? change.previous : change.entry
  if (!entry) return undefined
  const out: LayerFileEntry = { path: change.path, change: change.change, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, size: entry.size }
  if (entry.linkTarget !== undefined) out.linkTarget = entry.linkTarget
  if (change.implicit) out.implicit = true
  return out
}

/** The image-layer and file-tree calls. Diffs are cached per chain of diffIDs for the engine's life. */
export function createLayerApi(options: LayerApiOptions): { handlers: LayerHandlers } {
  const limit = options.cachedLayers ?? 256
  /** Key: the diffIDs from the base up to the layer, joined. Insertion order is use order (LRU). */
  const diffs = new Map<string, LayerDiff>()
  const running = new Map<string, Promise<LayerDiff[]>>()

  const remember = (key: string, diff: LayerDiff): void => {
    diffs.delete(key)
    diffs.set(key, diff)
    while (diffs.size > limit) {
      const oldest = diffs.keys().next().value
      if (oldest === undefined) break
      diffs.delete(oldest)
    }
  }

  async function locate(selector: ImageSelector): Promise<Located> {
    const store = await options.store()
    if ('buildId' in selector) {
      const id = selector.buildId
      let view
      try {
        view = toBuildView(await readBuild(store, id))
      } catch (error) {
        userError(error, `build ${id}`)
      }
      if (!view.image) {
        const why = view.status === 'running' ? 'is still running' : view.status === 'succeeded' ? 'kept no image' : `${view.status} before making an image`
        throw new ApiError({ code: 'not-found', message: `build ${id} ${why}, so it has no layers to show` })
      }
      try {
        const image = await resolveImage(store, view.image.digest)
        return { image, digest: view.image.digest, buildId: id, steps: view.steps }
      } catch (error) {
        userError(error, `the image of build ${id}`)
      }
    }
    try {
      const image = await resolveImage(store, selector.image)
      return { image, digest: image.manifestDescriptor.digest, steps: [] }
    } catch (error) {
      userError(error, `image ${selector.image}`)
    }
  }

  function diffIdsOf(image: ResolvedImage): string[] {
    const diffIds = image.config.rootfs?.diff_ids ?? []
    if (diffIds.length !== image.manifest.layers.length) {
      throw new ApiError({ code: 'internal', message: `the image lists ${diffIds.length} diffIDs for ${image.manifest.layers.length} layers: it cannot be read` })
    }
    return diffIds
  }

  async function imageLayers(selector: ImageSelector): Promise<ImageLayersView> {
    const located = await locate(selector)
    const store = await options.store()
    const diffIds = diffIdsOf(located.image)
    const steps = matchSteps(diffIds, located.steps)
    const createdBy = createdByOf(located.image)
    const layers: ImageLayer[] = []
    for (const [index, diffId] of diffIds.entries()) {
      const descriptor = located.image.manifest.layers[index]
      if (!descriptor) continue
      const step = steps[index]
      let size = step?.layer?.size
      if (size === undefined) {
        try {
          size = ((await cachedLayerSizes(store, diffId)) ?? (await layerSizes(store, descriptor, diffId))).tarSize
        } catch (error) {
          userError(error, `layer ${index} (${descriptor.digest})`)
        }
      }
      const layer: ImageLayer = {
        index,
        diffId,
        digest: descriptor.digest,
        size,
        createdBy: createdBy[index] ?? '',
        origin: step ? (step.status === 'cached' ? 'cached' : 'built') : 'base',
      }
      if (step) layer.step = { id: step.stepId, instruction: step.instruction, line: step.location.start.line, status: step.status }
      layers.push(layer)
    }
    return {
      image: located.digest,
      ...(located.buildId ? { buildId: located.buildId } : {}),
      totalSize: layers.reduce((sum, l) => sum + l.size, 0),
      layers,
    }
  }

  async function layerFileTree(args: ImageSelector & { layer: number }): Promise<LayerFileTree> {
    const located = await locate('buildId' in args ? { buildId: args.buildId } : { image: args.image })
    const store = await options.store()
    const diffIds = diffIdsOf(located.image)
    const index = args.layer
    if (index >= diffIds.length) {
      throw new ApiError({ code: 'bad-request', message: `the image has ${diffIds.length} layer${diffIds.length === 1 ? '' : 's'}; there is no layer ${index}` })
    }
    const key = diffIds.slice(0, index + 1).join(',')
    let diff = diffs.get(key)
    if (!diff) {
      // Diff the whole stack once: every layer's diff is then cached under its own chain.
      const chain = diffIds.join(',')
      let pending = running.get(chain)
      if (!pending) {
        const sources: LayerSource[] = located.image.manifest.layers.map((descriptor) => () => blob(store, descriptor.digest))
        pending = diffLayerStack(sources).finally(() => running.delete(chain))
        running.set(chain, pending)
      }
      let all: LayerDiff[]
      try {
        all = await pending
      } catch (error) {
        if (error instanceof Error && error.name === 'TarFormatError') {
          throw new ApiError({ code: 'internal', message: `a layer of this image is not a readable tar: ${error.message}` })
        }
        userError(error, `a layer of image ${located.digest}`)
      }
      for (const [i, d] of all.entries()) remember(diffIds.slice(0, i + 1).join(','), d)
      diff = all[index]
      if (!diff) throw new ApiError({ code: 'internal', message: `layer ${index} could not be diffed` })
    } else remember(key, diff)
    const entries: LayerFileEntry[] = []
    for (const change of diff.changes) {
      const entry = toFileEntry(change)
      if (entry) entries.push(entry)
    }
    return { index, diffId: diffIds[index] ?? '', entries, entryCount: diff.entryCount }
  }

  return { handlers: { imageLayers, layerFileTree } }
}

async function* blob(store: Store, digest: string): AsyncGenerator<Uint8Array> {
  const stream = await store.openBlob(digest)
  for await (const chunk of stream) yield chunk as Uint8Array
}
