// The cache forecast of a build: every step keyed exactly as the build keys it (step-keys.ts,
// lookupKeyedStep), and the cache's answer reported instead of acted on. Nothing runs, no layer
// is written, nothing is pulled, and neither the cache index nor the build records change. It
// reads the context like a build (and keeps its stat cache warm), and may extract a cached
// stage's layers into the store's snapshot cache when a COPY --from needs their content (the
// build would do the same at that step).

import path from 'node:path'
import type { PlannedStep } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { BuildForecast, StageForecast, StepForecast } from '../../shared/forecast-api'
import { chainKey, forecastKeyedStep, stepIdentity, type SourceInput, type StepInputs } from '../cache'
import { openBuildContext, type BuildContext } from '../context'
import { DockerfileParseError, type CopyInstruction, type ExpandedStage } from '../dockerfile'
import { openRootfs } from '../rootfs'
import type { Store } from '../store'
import type { BuiltLayer } from './build-state'
import { rootfsSourceInputs } from './copy-from-digest'
import { contextStatCachePath } from './context-stat-cache'
import { readDockerfile } from './embedded-backend'
import { lookupKeyedStep } from './keyed-step'
import { planBuild, type BuildPlan, type PlannedStage } from './plan'
import {
  applyStep,
  contextSourceInputs,
  imageSourceInputs,
  isVolatile,
  keyedStepInputs,
  noteRebuilt,
  resolveCopyFrom,
  startStage,
  stepContext,
  type KeyChain,
  type ParentStage,
} from './step-keys'

export interface ForecastRequest {
  contextDir: string
  /** Path of the Dockerfile; default `<contextDir>/Dockerfile`. Names the steps' cache records. */
  dockerfile?: string
  /** The text to forecast instead of the file's (the editor's unsaved text). */
  dockerfileText?: string
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
}

/** Why a stage's key chain is not known: a step before it may rebuild, or its base will be pulled. */
interface Unknown {
  status: 'uncertain' | 'rebuild'
  detail: string
}

/** A stage's end as the forecast sees it: known key and layers, or what they wait on. */
interface StageEnd extends ParentStage {
  label: string
  /** Set when the key chain is unknown. */
  unknown?: Unknown
}

/** A COPY --from whose source content cannot be known before the build runs. */
class UnknownSource extends Error {
  constructor(readonly unknown: Unknown) {
    super(unknown.detail)
  }
}

interface Run {
  store: Store
  plan: BuildPlan
  dockerfilePath: string
  noCache: boolean
  missing: Set<string>
  context: () => Promise<BuildContext>
  /** Keys an earlier step of this build writes. */
  writes: Set<string>
  ends: Map<number, StageEnd>
  /** Set once a step fails: the build stops there. */
  failed: boolean
}

/**
 * Forecasts a build of `request` against the store's cache. Errors that would stop the build
 * before any step (parse errors, an unknown target) come back as `error`, located at their line.
 */
export async function forecastBuild(store: Store, request: ForecastRequest): Promise<BuildForecast> {
  const started = performance.now()
  const contextDir = path.resolve(request.contextDir)
  const dockerfilePath = path.resolve(contextDir, request.dockerfile ?? 'Dockerfile')
  const timing = { totalMs: 0, planMs: 0, contextMs: 0, keyMs: 0, filesHashed: 0, filesFromStatCache: 0 }
  const result: BuildForecast = { dockerfile: dockerfilePath, ...(request.target ? { target: request.target } : {}), stages: [], warnings: [], timing }

  const missing = new Set<string>()
  let plan: BuildPlan
  try {
    const text = request.dockerfileText ?? (await readDockerfile(dockerfilePath))
    plan = await planBuild({
      dockerfileText: text,
      store,
      onMissingImage: (ref) => missing.add(ref),
      ...(request.buildArgs ? { buildArgs: request.buildArgs } : {}),
      ...(request.target ? { target: request.target } : {}),
    })
  } catch (error) {
    result.error = errorPayload(error)
    timing.totalMs = performance.now() - started
    return result
  }
  timing.planMs = performance.now() - started
  result.warnings = plan.warnings

  let opened: Promise<BuildContext> | undefined
  const context = (): Promise<BuildContext> => {
    opened ??= (async () => {
      const t = performance.now()
      const ctx = await openBuildContext({ contextDir, dockerfilePath, statCachePath: contextStatCachePath(store, contextDir) })
      timing.contextMs = performance.now() - t
      return ctx
    })()
    return opened
  }

  const run: Run = { store, plan, dockerfilePath, noCache: request.noCache ?? false, missing, context, writes: new Set(), ends: new Map(), failed: false }
  const keyStarted = performance.now()
  try {
    for (const [i, expanded] of plan.expanded.stages.entries()) {
      const planned = plan.stages[i]
      if (!planned) throw new Error(`stage ${expanded.stage.label} was not planned`)
      result.stages.push(await forecastStage(run, expanded, planned))
    }
  } finally {
    if (opened) {
      const ctx = await opened.catch(() => undefined)
      if (ctx) {
        timing.filesHashed = ctx.counters.hashed
        timing.filesFromStatCache = ctx.counters.cacheHits
        await ctx.close()
      }
    }
  }
  timing.keyMs = performance.now() - keyStarted - timing.contextMs
  timing.totalMs = performance.now() - started
  return result
}

function errorPayload(error: unknown): ApiErrorPayload {
  if (error instanceof DockerfileParseError) return { code: 'parse-error', message: error.message, location: error.location }
  return { code: 'build-failed', message: error instanceof Error ? error.message : String(error) }
}

const forecastOf = (step: PlannedStep, fields: Omit<StepForecast, keyof PlannedStep>): StepForecast => ({ ...step, ...fields })

async function forecastStage(run: Run, expanded: ExpandedStage, planned: PlannedStage): Promise<StageForecast> {
  const { stage } = expanded
  const [fromStep, ...steps] = planned.steps
  if (!fromStep) throw new Error(`stage ${stage.label} has no FROM step`)
  const out: StageForecast = { stage: planned.stage, base: planned.base, steps: [] }
  const label = stage.name ?? String(stage.index)

  // Where the stage starts: a missing base image is pulled first, so nothing on it can be keyed.
  let unknown: Unknown | undefined
  let start: ReturnType<typeof startStage> | undefined
  if (run.failed) {
    out.steps.push(forecastOf(fromStep, { status: 'not-run' }))
  } else if (!stage.base.scratch && stage.base.stage === null && run.missing.has(stage.base.expanded)) {
    const detail = `image ${stage.base.expanded} is not in the Layerlab store; the build pulls it first`
    out.steps.push(forecastOf(fromStep, { status: 'pull', detail }))
    unknown = { status: 'rebuild', detail: `its base image ${stage.base.expanded} will be pulled first` }
  } else {
    const parent = stage.base.stage === null ? undefined : run.ends.get(stage.base.stage)
    if (parent?.unknown) unknown = { status: parent.unknown.status, detail: `stage ${parent.label} ${parent.unknown.status === 'rebuild' ? 'will rebuild' : 'may rebuild'}` }
    start = startStage(run.plan, expanded, (index) => run.ends.get(index))
    out.steps.push(forecastOf(fromStep, { status: 'cached' }))
  }

  const chain: KeyChain = start?.chain ?? { config: { config: {} } as KeyChain['config'], key: '', cmdSet: false, keyedIndex: 0 }
  let layers: BuiltLayer[] | undefined = start?.layers
  const identityStage = stage.name ?? stage.index
  for (const [i, step] of expanded.steps.entries()) {
    const plannedStep = steps[i]
    if (!plannedStep) throw new Error(`step ${i + 1} of stage ${stage.label} was not planned`)
    if (run.failed) {
      out.steps.push(forecastOf(plannedStep, { status: 'not-run' }))
      continue
    }
    const instruction = step.expanded
    // A base that is pulled first: its image config (ENV, WORKDIR...) is unknown, so are the keys.
    if (!start) {
      const keyed = ['run', 'copy', 'add', 'workdir'].includes(instruction.kind)
      out.steps.push(forecastOf(plannedStep, keyed && unknown ? { status: unknown.status, detail: unknown.detail } : { status: 'cached' }))
      continue
    }
    let inputs
    try {
      const stepCtx = stepContext(chain, step, expanded)
      inputs = await keyedStepInputs(chain, instruction, stepCtx, (copy) => sourceInputs(run, copy, { perFile: false }))
    } catch (error) {
      if (!(error instanceof UnknownSource)) {
        run.failed = true
        out.steps.push(forecastOf(plannedStep, { status: 'fail', detail: error instanceof Error ? error.message : String(error) }))
        continue
      }
      // Keyed by content that does not exist yet: this step and the chain after it wait on it.
      chain.keyedIndex++
      const waits = error.unknown.status === 'rebuild' ? 'will rebuild' : 'may rebuild'
      unknown ??= { status: error.unknown.status, detail: `parent step ${plannedStep.index} ${waits} (${plannedStep.instruction})` }
      out.steps.push(forecastOf(plannedStep, { status: error.unknown.status, detail: error.unknown.detail }))
      layers = undefined
      applyStep(chain, step)
      continue
    }
    if (inputs) {
      chain.keyedIndex++
      // COPY --link is keyed without its parent, so it can be answered even when
      // the steps below it cannot; anything else on an unknown chain waits on it.
      const linked = (inputs.op.type === 'copy' || inputs.op.type === 'add') && inputs.op.link
      if (unknown && !linked) {
        out.steps.push(forecastOf(plannedStep, { status: unknown.status, detail: unknown.detail }))
        layers = undefined
      } else {
        const lookup = (keyed: StepInputs) =>
          lookupKeyedStep({
            store: run.store,
            identity: stepIdentity(run.dockerfilePath, identityStage, chain.keyedIndex),
            instruction: plannedStep.instruction,
            inputs: keyed,
            noCache: run.noCache,
            ...(chain.rebuilt ? { parentRebuilt: chain.rebuilt } : {}),
            volatile: isVolatile(instruction),
          })
        let answer = await lookup(inputs)
        if (!answer.hit && inputs.sources?.length) {
          // A miss is explained per file: digest the files one by one only now (same key).
          const stepCtx = stepContext(chain, step, expanded)
          const explained = await keyedStepInputs(chain, instruction, stepCtx, (copy) => sourceInputs(run, copy, { perFile: true }))
          if (explained) answer = await lookup(explained)
        }
        const verdict = forecastKeyedStep(
          { key: answer.key, hit: answer.hit !== undefined, ...(answer.reason ? { reason: answer.reason } : {}) },
          { noCache: run.noCache, volatile: isVolatile(instruction), writtenBefore: run.writes },
        )
        if (verdict.status === 'rebuild') run.writes.add(answer.key)
        noteRebuilt(chain, plannedStep, verdict.status === 'cached')
        if (answer.hit && layers) layers.push(answer.hit)
        else layers = undefined
        out.steps.push(forecastOf(plannedStep, verdict.status === 'cached' ? { status: 'cached' } : { status: 'rebuild', reason: verdict.reason }))
      }
      chain.key = chainKey(chain.key, inputs)
    } else {
      // Metadata: the build reports it cached, whatever came before.
      out.steps.push(forecastOf(plannedStep, { status: 'cached' }))
    }
    applyStep(chain, step)
  }

  run.ends.set(stage.index, {
    label,
    config: chain.config,
    key: chain.key,
    layers,
    ...(unknown ? { unknown } : {}),
  })
  return out
}

/** A COPY/ADD's source inputs as the build computes them, or UnknownSource when they wait on a rebuild. */
async function sourceInputs(run: Run, instruction: Parameters<typeof contextSourceInputs>[1], opts: { perFile: boolean }): Promise<SourceInput[]> {
  if (instruction.kind === 'copy' && instruction.from !== null) return copyFromInputs(run, instruction)
  return contextSourceInputs(await run.context(), instruction, opts)
}

async function copyFromInputs(run: Run, instruction: CopyInstruction): Promise<SourceInput[]> {
  const missingImage = [...run.missing].find((ref) => resolvesTo(run.plan, instruction, ref))
  if (missingImage !== undefined) {
    throw new UnknownSource({ status: 'rebuild', detail: `image ${missingImage} is not in the Layerlab store; the build pulls it first` })
  }
  const source = resolveCopyFrom(run.plan, instruction)
  if (source.kind === 'image') return imageSourceInputs(source.manifestDigest, instruction)
  const end = run.ends.get(source.stage)
  if (!end) throw new Error(`stage ${source.stage} was not forecast before it is copied from`)
  if (!end.layers) {
    // BuildKit keys COPY --from by the content it selects: a stage that rebuilds may produce the
    // same files (the copy stays cached) or not. Only running it tells.
    const why = end.unknown?.status === 'rebuild' ? 'will rebuild' : end.unknown ? 'may rebuild' : 'rebuilds'
    throw new UnknownSource({ status: 'uncertain', detail: `stage ${end.label} ${why}` })
  }
  return rootfsSourceInputs(await openRootfs(run.store, end.layers.map((l) => ({ diffId: l.diffId, digest: l.digest }))), instruction)
}

/** Whether this COPY --from names the image `ref` (one the store lacks). */
function resolvesTo(plan: BuildPlan, instruction: CopyInstruction, ref: string): boolean {
  for (const { stage, triggerDependencies } of plan.expanded.stages) {
    for (const dep of [...stage.dependencies, ...triggerDependencies]) {
      if (dep.via === 'copy' && dep.kind === 'image' && dep.ref === ref && dep.instruction.line === instruction.line && dep.reference === instruction.from) return true
    }
  }
  return false
}
