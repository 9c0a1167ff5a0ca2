import type { StepFinishedEvent } from '../../shared/build-events'
import type { ComparedImage, CompareLayerSide } from '../../shared/compare-api'
import { ApiError } from '../../shared/errors'
import type { ImageSelector } from '../../shared/layers-api'
import { matchSteps } from '../api-layers'
import { toBuildView } from '../api-records'
import type { DaemonImages } from '../docker/daemon-layers'
import { cachedLayerSizes, layerSizes } from '../image-io'
import { readBuild, resolveImage, type ResolvedImage, type Store } from '../store'
import { normalizeInstruction, type AlignKey } from './compare-align'
import { indexFromLayerDiff, type LayerFileIndex } from './compare-files'
import { storeProblem } from './store-problem'

/** Either side of a comparison: what the layer views take, or an image of the Docker daemon. */
export type CompareTarget = ImageSelector | { daemonImage: string }

export interface SideLayer extends CompareLayerSide {
  key: AlignKey
  /** The layer's paths, read (and hashed) only when asked. */
  files: () => Promise<LayerFileIndex>
}

export interface LoadedSide {
  info: ComparedImage
  layers: SideLayer[]
}

export interface SourceContext {
  store: () => Promise<Store>
  /** Where daemon images are read (errors come worded for the user). */
  daemon: DaemonImages
  /** Store layers by diffID: indexed once, reused across comparisons. */
  indexStoreLayer: (store: Store, blobDigest: string, diffId: string) => Promise<LayerFileIndex>
}

function createdByOf(image: ResolvedImage): string[] {
  const history = Array.isArray(image.config.history) ? (image.config.history as { created_by?: unknown; empty_layer?: unknown }[]) : []
  return history.filter((h) => h?.empty_layer !== true).map((h) => (typeof h?.created_by === 'string' ? h.created_by : ''))
}

async function loadStoreSide(target: { buildId: string } | { image: string }, context: SourceContext): Promise<LoadedSide> {
  const store = await context.store()
  let image: ResolvedImage
  let steps: StepFinishedEvent[] = []
  let label: string
  if ('buildId' in target) {
    label = target.buildId
    let view
    try {
      view = toBuildView(await readBuild(store, target.buildId))
    } catch (error) {
      storeProblem(error, `build ${target.buildId}`)
    }
    if (!view.image) throw new ApiError({ code: 'not-found', message: `build ${target.buildId} (${view.status}) made no image, so there is nothing to compare` })
    // A build the Docker daemon ran left its image in the daemon, named by its image ID.
    if (view.backend === 'docker') return loadDaemonSide(view.image.digest, context, { buildId: target.buildId, steps: view.steps })
    steps = view.steps
    try {
      image = await resolveImage(store, view.image.digest)
    } catch (error) {
      storeProblem(error, `the image of build ${target.buildId}`)
    }
  } else {
    label = target.image
    try {
      image = await resolveImage(store, target.image)
    } catch (error) {
      storeProblem(error, `image ${target.image}`)
    }
  }
  const diffIds = image.config.rootfs?.diff_ids ?? []
  if (diffIds.length !== image.manifest.layers.length) {
    throw new ApiError({ code: 'internal', message: `${label}: the image lists ${diffIds.length} diffIDs for ${image.manifest.layers.length} layers` })
  }
  const matched = matchSteps(diffIds, steps)
  const createdBy = createdByOf(image)
  const layers: SideLayer[] = []
  for (const [index, diffId] of diffIds.entries()) {
    const descriptor = image.manifest.layers[index]
    if (!descriptor) continue
    const step = matched[index]
    let size = step?.layer?.size
    if (size === undefined) {
      try {
        size = ((await cachedLayerSizes(store, diffId)) ?? (await layerSizes(store, descriptor, diffId))).tarSize
      } catch (error) {
        storeProblem(error, `layer ${index} of ${label}`)
      }
    }
    const instruction = step?.instruction ?? createdBy[index] ?? ''
    const layer: SideLayer = {
      index,
      diffId,
      size,
      instruction,
      origin: step ? (step.status === 'cached' ? 'cached' : 'built') : 'base',
      key: { diffId, instruction: normalizeInstruction(instruction) },
      files: () => context.indexStoreLayer(store, descriptor.digest, diffId),
    }
    if (step) layer.line = step.location.start.line
    layers.push(layer)
  }
  const info: ComparedImage = {
    label,
    source: 'buildId' in target ? 'build' : 'image',
    image: image.manifestDescriptor.digest,
    totalSize: layers.reduce((sum, l) => sum + l.size, 0),
    layerCount: layers.length,
    contentHashes: true,
  }
  if ('buildId' in target) info.buildId = target.buildId
  return { info, layers }
}

async function loadDaemonSide(ref: string, context: SourceContext, build?: { buildId: string; steps: StepFinishedEvent[] }): Promise<LoadedSide> {
  const view = await context.daemon.open(ref)
  const matched = build ? matchSteps(view.layers.map((l) => l.diffId ?? ''), build.steps) : []
  const layers = view.layers.map((layer): SideLayer => {
    const step = matched[layer.index]
    const instruction = step?.instruction ?? layer.createdBy ?? ''
    const out: SideLayer = {
      index: layer.index,
      size: layer.archiveSize,
      instruction,
      origin: step ? (step.status === 'cached' ? 'cached' : 'built') : 'base',
      key: { diffId: layer.diffId, instruction: normalizeInstruction(instruction) },
      files: async () => indexFromLayerDiff(layer.diff),
    }
    if (layer.diffId !== undefined) out.diffId = layer.diffId
    if (step) out.line = step.location.start.line
    return out
  })
  const info: ComparedImage = {
    label: build ? build.buildId : `docker-daemon:${ref}`,
    source: build ? 'build' : 'daemon',
    image: view.id,
    totalSize: layers.reduce((sum, l) => sum + l.size, 0),
    layerCount: layers.length,
    contentHashes: false,
  }
  if (build) info.buildId = build.buildId
  return { info, layers }
}

export function loadSide(target: CompareTarget, context: SourceContext): Promise<LoadedSide> {
  return 'daemonImage' in target ? loadDaemonSide(target.daemonImage, context) : loadStoreSide(target, context)
}
