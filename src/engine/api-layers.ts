import path from 'node:path'
import type { StepFinishedEvent } from '../shared/build-events'
import type { ApiHandlers } from '../shared/contract'
import { ApiError } from '../shared/errors'
import { entriesFromTable, tableFromEntries, type LayerFileTable } from '../shared/layer-file-table'
import type { ImageLayer, ImageLayersView, ImageSelector, LayerFileEntry, LayerFileTree } from '../shared/layers-api'
import { notInStoreMessage } from './analysis/store-problem'
import { createdByOf } from './analysis/stored-image'
import { toBuildView } from './api-records'
import { DaemonImages, type DaemonLayersImage } from './docker/daemon-layers'
import { ImageIoError, cachedLayerSizes, layerSizes } from './image-io'
import { LayerFileCache, diffLayerStack, type LayerChangeEntry, type LayerDiff, type LayerSource } from './layers'
import { StoreError, readBuild, resolveImage, type ResolvedImage, type Store } from './store'

type LayerHandlers = Pick<ApiHandlers, 'imageLayers' | 'layerFileTree' | 'layerFileTable'>

/** Beside the layout, like `layer-sizes/`: derived data, never content. */
const LAYER_FILES_DIR = 'layer-files'

export interface LayerApiOptions {
  store: () => Promise<Store>
  /** Images of the Docker daemon (`daemonImage`, Docker-built builds); default: the daemon discovery finds in process.env. */
  daemon?: DaemonImages
  /** How many layers' tables to keep in memory (the rest are read from their cache files); default 32. */
  cachedLayers?: number
}

interface Located {
  image: ResolvedImage
  /** The manifest digest. */
  digest: string
  buildId?: string
  steps: StepFinishedEvent[]
}

/** An image in the Docker daemon: given by `daemonImage`, or the result of a Docker build. */
interface LocatedInDaemon {
  daemon: DaemonLayersImage
  buildId?: string
  steps: StepFinishedEvent[]
}

/** The user's words for a store or image problem; anything else is passed on. */
function userError(error: unknown, what: string): never {
  if (error instanceof ApiError) throw error
  if ((error instanceof StoreError || error instanceof ImageIoError) && error.code === 'not-found') {
    throw new ApiError({ code: 'not-found', message: notInStoreMessage(error, what) })
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

function* fileEntries(changes: Iterable<LayerChangeEntry>): Generator<LayerFileEntry> {
  for (const change of changes) {
    const entry = toFileEntry(change)
    if (entry) yield entry
  }
}

function toFileEntry(change: LayerChangeEntry): LayerFileEntry | undefined {
  const entry = change.change === 'removed' ? change.previous : change.entry
  if (!entry) return undefined
  const out: LayerFileEntry = { path: change.path, change: change.change, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, size: entry.size }
  if (entry.linkTarget !== undefined) out.linkTarget = entry.linkTarget
  if (change.implicit) out.implicit = true
  return out
}

/**
 * The image-layer and file-tree calls. A layer's changed paths are cached per chain of diffIDs:
 * the most recent in memory, all of them in the store's `layer-files/` (see LayerFileCache).
 */
export interface LayerApi {
  handlers: LayerHandlers
  /** Diff a store image's layers in the background, so that its first file view is quick. */
  warm(selector: ImageSelector): Promise<void>
  /** No more warming; resolves when the warm-ups and cache writes under way are done. */
  close(): Promise<void>
}

export function createLayerApi(options: LayerApiOptions): LayerApi {
  const limit = options.cachedLayers ?? 32
  /** Key: the diffIDs from the base up to the layer, joined. Insertion order is use order (LRU). */
  const tables = new Map<string, LayerFileTable>()
  const running = new Map<string, Promise<LayerFileTable[]>>()
  /** Cache files being written, one stack after another. */
  let writes: Promise<void> = Promise.resolve()
  const warming = new Set<Promise<void>>()
  let closed = false

  const remember = (key: string, table: LayerFileTable): void => {
    tables.delete(key)
    tables.set(key, table)
    while (tables.size > limit) {
      const oldest = tables.keys().next().value
      if (oldest === undefined) break
      tables.delete(oldest)
    }
  }
  const cacheOf = async (): Promise<LayerFileCache> => new LayerFileCache(path.join((await options.store()).dir, LAYER_FILES_DIR))

  const daemon = options.daemon ?? new DaemonImages()

  async function inDaemon(ref: string, build?: { id: string; steps: StepFinishedEvent[] }): Promise<LocatedInDaemon> {
    // DaemonImages throws ApiErrors already worded for the user.
    return { daemon: await daemon.layers(ref), steps: build?.steps ?? [], ...(build ? { buildId: build.id } : {}) }
  }

  async function locate(selector: ImageSelector): Promise<Located | LocatedInDaemon> {
    if ('daemonImage' in selector) return inDaemon(selector.daemonImage)
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
      if (view.backend === 'docker') return inDaemon(view.image.digest, { id, steps: view.steps })
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

  function daemonImageLayers(located: LocatedInDaemon): ImageLayersView {
    const { diffIds, sizes, createdBy, id } = located.daemon
    const steps = matchSteps(diffIds, located.steps)
    const layers = diffIds.map((diffId, index): ImageLayer => {
      const step = steps[index]
      const layer: ImageLayer = {
        index,
        diffId,
        size: sizes[index] ?? 0,
        createdBy: createdBy[index] ?? '',
        origin: step ? (step.status === 'cached' ? 'cached' : 'built') : 'base',
      }
      if (step) layer.step = { id: step.stepId, instruction: step.instruction, line: step.location.start.line, status: step.status }
      return layer
    })
    return {
      image: id,
      ...(located.buildId ? { buildId: located.buildId } : {}),
      totalSize: layers.reduce((sum, l) => sum + l.size, 0),
      layers,
    }
  }

  async function imageLayers(selector: ImageSelector): Promise<ImageLayersView> {
    const located = await locate(selector)
    if ('daemon' in located) return daemonImageLayers(located)
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

  /** The layer's table: from memory, else the cache file, else by diffing the stack (which caches every layer of it). */
  async function layerTable(args: ImageSelector & { layer: number }): Promise<LayerFileTable> {
    const { layer: index, ...selector } = args
    const located = await locate(selector as ImageSelector)
    const diffIds = 'daemon' in located ? located.daemon.diffIds : diffIdsOf(located.image)
    if (index >= diffIds.length) {
      throw new ApiError({ code: 'bad-request', message: `the image has ${diffIds.length} layer${diffIds.length === 1 ? '' : 's'}; there is no layer ${index}` })
    }
    const chain = diffIds.slice(0, index + 1)
    const key = chain.join(',')
    const known = tables.get(key)
    if (known) {
      remember(key, known)
      return known
    }
    const cache = await cacheOf()
    const cached = await cache.read(chain)
    if (cached) {
      remember(key, cached)
      return cached
    }
    const all = await diffStack(located, diffIds)
    const table = all[index]
    if (!table) throw new ApiError({ code: 'internal', message: `layer ${index} could not be diffed` })
    return table
  }

  /** Diffs every layer of the image once (concurrent askers share the work) and caches each table under its chain. */
  function diffStack(located: Located | LocatedInDaemon, diffIds: readonly string[]): Promise<LayerFileTable[]> {
    const whole = diffIds.join(',')
    let pending = running.get(whole)
    if (pending) return pending
    pending = (async () => {
      let all: LayerDiff[]
      try {
        all = 'daemon' in located ? await daemon.diffs(located.daemon.id) : await storeDiffs(located)
      } catch (error) {
        if (error instanceof Error && error.name === 'TarFormatError') {
          throw new ApiError({ code: 'internal', message: `a layer of this image is not a readable tar: ${error.message}` })
        }
        userError(error, `a layer of image ${'daemon' in located ? located.daemon.id : located.digest}`)
      }
      const cache = await cacheOf()
      const out = all.map((diff, i) => tableFromEntries({ index: i, diffId: diffIds[i] ?? '', entryCount: diff.entryCount }, fileEntries(diff.changes)))
      for (const [i, table] of out.entries()) remember(diffIds.slice(0, i + 1).join(','), table)
      // The asker gets its answer now; the files are written behind it (best effort, never failing).
      writes = writes.then(async () => {
        for (const [i, table] of out.entries()) await cache.write(diffIds.slice(0, i + 1), table)
      })
      return out
    })().finally(() => running.delete(whole))
    running.set(whole, pending)
    return pending
  }

  async function layerFileTree(args: ImageSelector & { layer: number }): Promise<LayerFileTree> {
    const table = await layerTable(args)
    return { index: table.index, diffId: table.diffId, entries: entriesFromTable(table), entryCount: table.entryCount }
  }

  /**
   * Diffs a store image's layers in the background (after a build), so that its first file view
   * reads a cache file instead of every layer. Docker daemon images are left to the first ask:
   * exporting them is not worth doing for a view nobody may open.
   */
  function warm(selector: ImageSelector): Promise<void> {
    if (closed) return Promise.resolve()
    const work = warmUp(selector).finally(() => warming.delete(work))
    warming.add(work)
    return work
  }

  async function warmUp(selector: ImageSelector): Promise<void> {
    const located = await locate(selector)
    if (closed) return
    if ('daemon' in located) return
    const diffIds = diffIdsOf(located.image)
    if (diffIds.length === 0 || (await (await cacheOf()).read(diffIds)) !== undefined) return
    await diffStack(located, diffIds)
    await writes
  }

  async function storeDiffs(located: Located): Promise<LayerDiff[]> {
    const store = await options.store()
    const sources: LayerSource[] = located.image.manifest.layers.map((descriptor) => () => blob(store, descriptor.digest))
    return diffLayerStack(sources)
  }

  async function close(): Promise<void> {
    closed = true
    await Promise.allSettled([...warming])
    await writes
  }

  return { handlers: { imageLayers, layerFileTree, layerFileTable: layerTable }, warm, close }
}

async function* blob(store: Store, digest: string): AsyncGenerator<Uint8Array> {
  const stream = await store.openBlob(digest)
  for await (const chunk of stream) yield chunk as Uint8Array
}
