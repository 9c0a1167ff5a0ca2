// Which planned step made which layer of an image the daemon built: the daemon does not say, so
// the image's history (one row per instruction, empty_layer on those without a layer) is lined
// up with the steps of the target stage and the stages it is built FROM.

import type Docker from 'dockerode'
import type { LayerRef, PlannedStep, StepKind } from '../../shared/build-events'
import { pickImage, streamSave } from './daemon-image-view'
import type { DockerPlan } from './docker-backend-plan'
import { DockerSaveError, savedImageConfig, savedLayerSizes, type SavedImageConfig } from './docker-save-reader'

/** An image's layers as `docker save` holds them. */
export interface SavedImageLayers {
  id: string
  diffIds: string[]
  /**
   * Bytes of each layer tar (the uncompressed tar whose sha256 is the diffID, as the embedded
   * engine measures its layers). `docker history` shows less: the files' bytes only.
   */
  sizes: number[]
  history: SavedImageConfig['history']
}

/** Steps that may leave a layer, in the order they run, and the image the first stage starts from. */
export interface LayerChain {
  steps: PlannedStep[]
  /** The external base image (undefined for scratch). */
  baseRef?: string
}

const layerKinds: ReadonlySet<StepKind> = new Set(['run', 'copy', 'add', 'workdir'])

/** The target stage's steps, after those of the stages it is built FROM (`FROM builder`). */
export function layerChain(plan: DockerPlan): LayerChain {
  const chain: number[] = []
  const seen = new Set<number>()
  let index: number | null = plan.expanded.target.index
  let baseRef: string | undefined
  while (index !== null && !seen.has(index)) {
    seen.add(index)
    chain.unshift(index)
    const stage = plan.expanded.stages.find((s) => s.stage.index === index)?.stage
    if (!stage) break
    index = stage.base.stage
    if (index === null && !stage.base.scratch) baseRef = stage.base.expanded
  }
  const steps = chain.flatMap((i) => plan.stages.find((s) => s.stage.index === i)?.steps ?? []).filter((s) => layerKinds.has(s.kind))
  return { steps, ...(baseRef === undefined ? {} : { baseRef }) }
}

/**
 * The instruction a history row's created_by stands for. BuildKit writes `RUN /bin/sh -c …`,
 * `COPY a b # buildkit`, `WORKDIR /x`; the legacy builder `/bin/sh -c #(nop) COPY file:… in /x`
 * for the others and the bare command (`/bin/sh -c …`, `|1 A=b /bin/sh -c …`) for RUN.
 */
export function historyKind(createdBy: string): StepKind | undefined {
  const text = createdBy.trim().replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
  const word = /^([A-Z]+)\b/.exec(text)?.[1]
  if (word === 'COPY') return 'copy'
  if (word === 'ADD') return 'add'
  if (word === 'WORKDIR') return 'workdir'
  if (word === 'RUN') return 'run'
  if (text.startsWith('#(nop)') || word !== undefined) return undefined
  return 'run'
}

/** The command or arguments a history row records, without the builders' wrapping. */
export function historyCommand(createdBy: string): string {
  return createdBy
    .trim()
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/\s*# buildkit$/, '')
    .replace(/^(RUN|COPY|ADD|WORKDIR)\s+/, '')
    .replace(/^\|\d+(\s+\S+=\S*)*\s+/, '')
    .replace(/^\/bin\/sh -c\s+/, '')
    .replace(/\s+/g, ' ')
}

/** The step's arguments as a history row would record them: no keyword, no --flags. */
function stepCommand(step: PlannedStep): string {
  return step.instruction
    .replace(/^\S+\s+/, '')
    .replace(/^(--\S+\s+)+/, '')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Layer per step id: the image's layers above the base's, each given to a later step of the
 * kind its history row names: the first whose arguments the row records, else the next of that
 * kind (a step that changed nothing may have made no layer). Rows that fit no step are left out.
 */
export function matchBuiltLayers(chain: LayerChain, baseLayerCount: number, saved: SavedImageLayers): Map<string, LayerRef> {
  const out = new Map<string, LayerRef>()
  const layered = saved.history.filter((row) => row.empty_layer !== true)
  if (layered.length !== saved.diffIds.length) return out
  let next = 0
  for (let layer = baseLayerCount; layer < saved.diffIds.length; layer++) {
    const createdBy = layered[layer]?.created_by ?? ''
    const kind = historyKind(createdBy)
    const command = historyCommand(createdBy)
    const candidates = chain.steps.map((step, at) => ({ step, at })).filter(({ step, at }) => at >= next && step.kind === kind)
    const chosen = candidates.find(({ step }) => stepCommand(step) === command) ?? candidates[0]
    const step = chosen?.step
    const at = chosen?.at ?? chain.steps.length
    const diffId = saved.diffIds[layer]
    const size = saved.sizes[layer]
    if (!step || diffId === undefined || size === undefined) break
    out.set(step.id, { diffId, size })
    next = at + 1
  }
  return out
}

/** Streams `docker save` once for the sizes and the config; the layers' bytes are skipped. */
export async function savedImageLayers(client: Docker, id: string, signal?: AbortSignal): Promise<SavedImageLayers> {
  const contents = await streamSave(client, id, { records: false, ...(signal ? { signal } : {}) })
  const item = pickImage(contents.manifest, id, id)
  const config = savedImageConfig(contents, item)
  if (!config) throw new DockerSaveError(`docker save of ${id} holds no readable image config`)
  return { id, diffIds: config.diffIds, sizes: savedLayerSizes(contents, item), history: config.history }
}

/** The layers of a finished build's image, matched to its steps. */
export async function builtLayers(client: Docker, imageId: string, plan: DockerPlan, signal?: AbortSignal): Promise<Map<string, LayerRef>> {
  const chain = layerChain(plan)
  const base = chain.baseRef ? await client.getImage(chain.baseRef).inspect() : undefined
  const saved = await savedImageLayers(client, imageId, signal)
  return matchBuiltLayers(chain, base?.RootFS?.Layers?.length ?? 0, saved)
}
