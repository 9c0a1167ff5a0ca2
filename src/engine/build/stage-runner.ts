import type { PlannedStep } from '../../shared/build-events'
import { resolveWorkdir as resolveWorkdirPath, chainKey, stepIdentity, type SourceInput, type StepContext } from '../cache'
import type { BuildContext } from '../context'
import { parseHeredocWord, type AddInstruction, type Command, type CopyInstruction, type ExpandedStage, type ExpandedStep, type RunInstruction } from '../dockerfile'
import { openRootfs, type RootfsView } from '../rootfs'
import type { Executor } from '../exec'
import { upperDirToLayer } from '../exec'
import type { Store } from '../store'
import type { BuiltLayer, StageResult, StepOutcome, StepReporter } from './build-state'
import { buildCopyLayer, buildWorkdirLayer } from './copy'
import { rootfsSourceInputs } from './copy-from-digest'
import { runArgs } from './image-config'
import { runKeyedStep } from './keyed-step'
import type { BuildPlan, PlannedStage } from './plan'
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
} from './step-keys'

export interface StageRunContext {
  store: Store
  plan: BuildPlan
  dockerfilePath: string
  context: BuildContext
  noCache: boolean
  results: Map<number, StageResult>
  reporter: StepReporter
  executor: Executor
  signal?: AbortSignal
}

/** A step that failed: carries the planned step so the caller can report it and stop. */
export class StepFailure extends Error {
  constructor(
    readonly step: PlannedStep,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

interface StageState {
  chain: KeyChain
  layers: BuiltLayer[]
  addedLayers: BuiltLayer[]
}

/** Runs one stage's steps in order: FROM, then each instruction, keyed steps through the cache. */
export async function runStage(ctx: StageRunContext, expanded: ExpandedStage, planned: PlannedStage): Promise<StageResult> {
  const { stage } = expanded
  const [fromStep, ...steps] = planned.steps
  if (!fromStep) throw new Error(`stage ${stage.label} has no FROM step`)

  const started = Date.now()
  ctx.reporter.started(fromStep)
  const start = startStage(ctx.plan, expanded, (index) => ctx.results.get(index))
  const base = start.base
  const state: StageState = { chain: start.chain, layers: start.layers ?? [], addedLayers: [] }
  ctx.reporter.finished(fromStep, { status: 'cached' }, Date.now() - started)

  const identityStage = stage.name ?? stage.index
  for (const [i, step] of expanded.steps.entries()) {
    const plannedStep = steps[i]
    if (!plannedStep) throw new Error(`step ${i + 1} of stage ${stage.label} was not planned`)
    if (ctx.signal?.aborted) throw ctx.signal.reason
    const stepStarted = Date.now()
    ctx.reporter.started(plannedStep)
    try {
      const outcome = await runStep(ctx, state, step, plannedStep, identityStage, expanded)
      ctx.reporter.finished(plannedStep, outcome, Date.now() - stepStarted)
    } catch (error) {
      throw new StepFailure(plannedStep, error)
    }
  }
  const baseRebuilt = base.kind === 'stage' && (ctx.results.get(stage.base.stage ?? -1)?.rebuilt ?? false)
  return {
    config: state.chain.config,
    layers: state.layers,
    addedLayers: state.addedLayers,
    key: state.chain.key,
    rebuilt: state.chain.rebuilt !== undefined || baseRebuilt,
  }
}

async function runStep(
  ctx: StageRunContext,
  state: StageState,
  step: ExpandedStep,
  planned: PlannedStep,
  identityStage: string | number,
  expanded: ExpandedStage,
) {
  const instruction = step.expanded
  const { chain } = state
  const stepCtx = stepContext(chain, step, expanded)
  const inputs = await keyedStepInputs(chain, instruction, stepCtx, (copy) => sourceInputs(ctx, copy))

  // Metadata steps change only the config; they never take part in the cache, so they cannot miss.
  let outcome: StepOutcome = { status: 'cached' }
  if (inputs) {
    chain.keyedIndex++
    const parentRootfs = lazyRootfs(ctx.store, state.layers)
    const result = await runKeyedStep({
      store: ctx.store,
      identity: stepIdentity(ctx.dockerfilePath, identityStage, chain.keyedIndex),
      instruction: planned.instruction,
      inputs,
      noCache: ctx.noCache,
      ...(chain.rebuilt ? { parentRebuilt: chain.rebuilt } : {}),
      volatile: isVolatile(instruction),
      writeLayer: (out) => writeStepLayer(ctx, instruction, stepCtx, parentRootfs, out, planned),
    })
    noteRebuilt(chain, planned, result.cached)
    chain.key = chainKey(chain.key, inputs)
    state.layers.push(result.layer)
    state.addedLayers.push(result.layer)
    const layer = { diffId: result.layer.diffId, digest: result.layer.digest, size: result.layer.size }
    outcome = result.cached ? { status: 'cached', layer } : { status: 'built', layer, ...(result.reason ? { reason: result.reason } : {}) }
  }

  applyStep(chain, step)
  return outcome
}

/**
 * The content digests a COPY/ADD key is made of: of the selected context files, of the stage
 * or image it copies from, or of a URL's pinned checksum. Per-file digests ride along so a
 * miss can name the files that changed.
 */
async function sourceInputs(ctx: StageRunContext, instruction: CopyInstruction | AddInstruction): Promise<SourceInput[]> {
  if (instruction.kind === 'copy' && instruction.from !== null) {
    const source = resolveCopyFrom(ctx.plan, instruction)
    if (source.kind === 'image') return imageSourceInputs(source.manifestDigest, instruction)
    // From a stage: keyed by the content it selects there, not by the stage's key, so a stage
    // that re-runs with the same output leaves the copy cached, as in BuildKit (copy-from-digest.ts).
    const layers = ctx.results.get(source.stage)?.layers
    if (!layers) throw new Error(`stage ${source.stage} was not built before it is copied from`)
    return rootfsSourceInputs(await lazyRootfs(ctx.store, layers)(), instruction)
  }
  return contextSourceInputs(ctx.context, instruction)
}

/** The parent filesystem is only opened (and its layers extracted) when a step misses. */
function lazyRootfs(store: Store, layers: readonly BuiltLayer[]): () => Promise<RootfsView> {
  const snapshot = layers.map((l) => ({ diffId: l.diffId, digest: l.digest }))
  let view: Promise<RootfsView> | undefined
  return () => (view ??= openRootfs(store, snapshot))
}

async function writeStepLayer(
  ctx: StageRunContext,
  instruction: Command,
  stepCtx: StepContext,
  parent: () => Promise<RootfsView>,
  out: string,
  planned: PlannedStep,
) {
  if (instruction.kind === 'run') return runLayer(ctx, instruction, stepCtx, await parent(), out, planned)
  if (instruction.kind === 'workdir') {
    const path = resolveWorkdirPath(stepCtx.workdir, instruction.path)
    return buildWorkdirLayer({ path, user: stepCtx.user, parent: await parent(), out })
  }
  if (instruction.kind !== 'copy' && instruction.kind !== 'add') throw new Error(`${instruction.kind} has no layer writer`)
  let source: Parameters<typeof buildCopyLayer>[0]['source'] = { kind: 'context', context: ctx.context }
  if (instruction.kind === 'copy' && instruction.from !== null) {
    const from = resolveCopyFrom(ctx.plan, instruction)
    const layers = from.kind === 'stage' ? (ctx.results.get(from.stage)?.layers ?? []) : from.layers
    source = { kind: 'rootfs', rootfs: await lazyRootfs(ctx.store, layers)() }
  }
  return buildCopyLayer({
    instruction,
    workdir: stepCtx.workdir,
    parent: await parent(),
    source,
    out,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })
}

const LOG_TAIL_LINES = 10

/**
 * Runs the command in the sandbox on the parent's filesystem and turns what it changed into the
 * step's layer. A non-zero exit fails the step with BuildKit's message and the last lines the
 * command printed, so the reason is visible without opening the log.
 */
async function runLayer(
  ctx: StageRunContext,
  run: RunInstruction,
  stepCtx: StepContext,
  rootfs: RootfsView,
  out: string,
  planned: PlannedStep,
) {
  const platform = typeof stepCtx.platform === 'string' ? stepCtx.platform : stepCtx.platform.os
  const os = platform.split('/')[0] ?? 'linux'
  const args = runArgs(run, stepCtx.shell, os)
  const tail: string[] = []
  let partial = ''
  const result = await ctx.executor.run(
    {
      args,
      env: stepCtx.env.map(([name, value]) => `${name}=${value}`),
      cwd: stepCtx.workdir,
      user: stepCtx.user,
      network: run.network === 'host' ? 'host' : 'none',
      rootfs,
      inlineFiles: shebangHeredocs(run),
    },
    (stream, chunk) => {
      ctx.reporter.log(planned, stream, chunk)
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      tail.push(...lines)
      tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES))
    },
    ctx.signal ?? new AbortController().signal,
  )
  try {
    if (result.exitCode !== 0) {
      if (partial) tail.push(partial)
      const shown = tail.slice(-LOG_TAIL_LINES)
      const last = shown.length > 0 ? `\n${shown.join('\n')}` : ''
      throw new Error(`process "${args.join(' ')}" did not complete successfully: exit code: ${result.exitCode}${last}`)
    }
    return await upperDirToLayer(result.upperDir, out, {
      lowerDir: result.lowerDir,
      ...(result.hostRoot ? { hostRoot: result.hostRoot } : {}),
    })
  } finally {
    await result.dispose()
  }
}

/** BuildKit runs a `RUN <<EOF` whose body starts with `#!` as a script mounted at /dev/pipes/<name>. */
function shebangHeredocs(run: RunInstruction): { path: string; content: string; mode: number }[] {
  const [first] = run.heredocs
  if (!first || run.command.form !== 'shell' || parseHeredocWord(run.command.command) === null) return []
  if (!first.content.startsWith('#!')) return []
  return [{ path: `/dev/pipes/${first.name}`, content: first.content, mode: 0o755 }]
}
