import type { PlannedStep } from '../../shared/build-events'
import {
  baseParentKey,
  resolveWorkdir as resolveWorkdirPath,
  chainKey,
  copyStepInputs,
  DEFAULT_SHELL,
  runStepInputs,
  stepIdentity,
  workdirStepInputs,
  type BaseImage,
  type ParentRebuilt,
  type SourceInput,
  type StepContext,
} from '../cache'
import type { BuildContext } from '../context'
import { InstructionError, parseHeredocWord, type AddInstruction, type Command, type CopyInstruction, type ExpandedStage, type ExpandedStep, type RunInstruction } from '../dockerfile'
import { openRootfs, type RootfsView } from '../rootfs'
import type { Executor } from '../exec'
import { upperDirToLayer } from '../exec'
import type { Store } from '../store'
import type { BuiltLayer, StageResult, StepOutcome, StepReporter } from './build-state'
import { buildCopyLayer, buildWorkdirLayer } from './copy'
import { rootfsSourceInputs } from './copy-from-digest'
import { applyInstruction, inheritStageConfig, initialConfig, runArgs, type OciImageConfig } from './image-config'
import { runKeyedStep } from './keyed-step'
import type { BuildPlan, PlannedStage } from './plan'

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
  config: OciImageConfig
  layers: BuiltLayer[]
  addedLayers: BuiltLayer[]
  key: string
  rebuilt?: ParentRebuilt
  cmdSet: boolean
  keyedIndex: number
}

/** Runs one stage's steps in order: FROM, then each instruction, keyed steps through the cache. */
export async function runStage(ctx: StageRunContext, expanded: ExpandedStage, planned: PlannedStage): Promise<StageResult> {
  const { stage } = expanded
  const [fromStep, ...steps] = planned.steps
  if (!fromStep) throw new Error(`stage ${stage.label} has no FROM step`)

  const started = Date.now()
  ctx.reporter.started(fromStep)
  const { state, base } = startStage(ctx, expanded)
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
    config: state.config,
    layers: state.layers,
    addedLayers: state.addedLayers,
    key: state.key,
    rebuilt: state.rebuilt !== undefined || baseRebuilt,
  }
}

function startStage(ctx: StageRunContext, expanded: ExpandedStage): { state: StageState; base: BaseImage } {
  const { stage, platform } = expanded
  const fresh = (config: OciImageConfig, layers: BuiltLayer[], base: BaseImage): { state: StageState; base: BaseImage } => ({
    state: { config, layers: [...layers], addedLayers: [], key: baseParentKey(base), cmdSet: false, keyedIndex: 0 },
    base,
  })
  if (stage.base.scratch) return fresh(initialConfig('scratch', platform), [], { kind: 'scratch' })
  if (stage.base.stage !== null) {
    const parent = ctx.results.get(stage.base.stage)
    if (!parent) throw new Error(`stage ${stage.base.stage} was not built before ${stage.label}`)
    const base: BaseImage = { kind: 'stage', name: stage.base.expanded, key: parent.key }
    // The parent's config lists only its base image's diff_ids until it is finalized; the child
    // starts from the parent's whole filesystem.
    const config = inheritStageConfig(parent.config)
    config.rootfs = { ...config.rootfs, diff_ids: parent.layers.map((l) => l.diffId) }
    return fresh(config, parent.layers, base)
  }
  const image = ctx.plan.images.get(stage.base.expanded)
  if (!image) throw new Error(`base image ${stage.base.expanded} was not resolved`)
  const layers = imageLayers(image)
  const base: BaseImage = { kind: 'image', ref: stage.base.expanded, manifestDigest: image.manifestDescriptor.digest, platform }
  return fresh(initialConfig(image.config, platform), layers, base)
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
  const stepCtx: StepContext = {
    workdir: state.config.config.WorkingDir || '/',
    user: state.config.config.User ?? '',
    shell: state.config.config.Shell ?? DEFAULT_SHELL,
    env: step.env,
    platform: expanded.platform,
    args: step.args,
  }
  const inputs =
    instruction.kind === 'copy' || instruction.kind === 'add'
      ? copyStepInputs(state.key, instruction, stepCtx, await sourceInputs(ctx, instruction))
      : instruction.kind === 'workdir'
        ? workdirStepInputs(state.key, instruction, stepCtx)
        : instruction.kind === 'run'
          ? runStepInputs(state.key, supportedRun(instruction), stepCtx)
          : null

  // Metadata steps change only the config; they never take part in the cache, so they cannot miss.
  let outcome: StepOutcome = { status: 'cached' }
  if (inputs) {
    state.keyedIndex++
    const parentRootfs = lazyRootfs(ctx.store, state.layers)
    const result = await runKeyedStep({
      store: ctx.store,
      identity: stepIdentity(ctx.dockerfilePath, identityStage, state.keyedIndex),
      instruction: planned.instruction,
      inputs,
      noCache: ctx.noCache,
      ...(state.rebuilt ? { parentRebuilt: state.rebuilt } : {}),
      volatile: isVolatile(instruction),
      writeLayer: (out) => writeStepLayer(ctx, instruction, stepCtx, parentRootfs, out, planned),
    })
    if (!result.cached) state.rebuilt ??= { stepId: planned.id, index: planned.index, instruction: planned.instruction }
    state.key = chainKey(state.key, inputs)
    state.layers.push(result.layer)
    state.addedLayers.push(result.layer)
    const layer = { diffId: result.layer.diffId, digest: result.layer.digest, size: result.layer.size }
    outcome = result.cached ? { status: 'cached', layer } : { status: 'built', layer, ...(result.reason ? { reason: result.reason } : {}) }
  }

  const applied = applyInstruction(state.config, instruction, { env: step.env, args: step.args, cmdSet: state.cmdSet })
  state.config = applied.config
  if (instruction.kind === 'cmd') state.cmdSet = true
  return outcome
}

const isUrl = (source: string): boolean => /^https?:\/\//i.test(source)

/** ADD of a URL without --checksum: BuildKit re-fetches it every build, so it never hits. */
function isVolatile(instruction: Command): boolean {
  return instruction.kind === 'add' && instruction.checksum === null && instruction.sources.some(isUrl)
}

/**
 * The content digests a COPY/ADD key is made of: of the selected context files, of the stage
 * or image it copies from, or of a URL's pinned checksum. Per-file digests ride along so a
 * miss can name the files that changed.
 */
async function sourceInputs(ctx: StageRunContext, instruction: CopyInstruction | AddInstruction): Promise<SourceInput[]> {
  if (instruction.kind === 'copy' && instruction.from !== null) {
    const source = resolveCopyFrom(ctx, instruction)
    if (source.kind === 'image') return instruction.sources.map((selector) => ({ selector, digest: source.manifestDigest }))
    // From a stage: keyed by the content it selects there, not by the stage's key, so a stage
    // that re-runs with the same output leaves the copy cached, as in BuildKit (copy-from-digest.ts).
    const layers = ctx.results.get(source.stage)?.layers
    if (!layers) throw new Error(`stage ${source.stage} was not built before it is copied from`)
    return rootfsSourceInputs(await lazyRootfs(ctx.store, layers)(), instruction)
  }
  const urls = instruction.sources.filter(isUrl)
  const local = instruction.sources.filter((s) => !isUrl(s))
  const inputs: SourceInput[] = urls.map((url) => ({
    selector: url,
    digest: instruction.kind === 'add' && instruction.checksum ? instruction.checksum : `volatile:${url}`,
  }))
  if (local.length === 0) return inputs
  const selection = ctx.context.selectCopySources(local, { exclude: instruction.excludes })
  const { parts } = await ctx.context.digestSelectors(selection.selectors)
  for (const part of parts) {
    const files: Record<string, string> = {}
    for (const item of selection.items) {
      if (`/${item.resolvedPath}` !== part.path && !(part.path === '/' && item.resolvedPath === '')) continue
      if (item.entry.type !== 'dir') files[item.entry.relPath] = await ctx.context.digestPath(item.entry.relPath)
      for (const child of item.contents) {
        if (child.entry.type !== 'dir') files[child.entry.relPath] = await ctx.context.digestPath(child.entry.relPath)
      }
    }
    inputs.push({ selector: part.path, digest: part.digest, files })
  }
  return inputs
}

type CopyFromSource = { kind: 'stage'; stage: number } | { kind: 'image'; manifestDigest: string; layers: BuiltLayer[] }

function resolveCopyFrom(ctx: StageRunContext, instruction: CopyInstruction): CopyFromSource {
  // Triggers sit on their FROM line, where no other instruction is, so line + reference still
  // identifies the COPY among the stage's own and its triggers' dependencies.
  for (const { stage, triggerDependencies } of ctx.plan.expanded.stages) {
    for (const dep of [...stage.dependencies, ...triggerDependencies]) {
      if (dep.via !== 'copy' || dep.instruction.line !== instruction.line || dep.reference !== instruction.from) continue
      if (dep.kind === 'stage') return { kind: 'stage', stage: dep.stage }
      const image = ctx.plan.images.get(dep.ref)
      if (!image) throw new Error(`image ${dep.ref} was not resolved`)
      return { kind: 'image', manifestDigest: image.manifestDescriptor.digest, layers: imageLayers(image) }
    }
  }
  throw new Error(`COPY --from=${instruction.from}: no such stage or image`)
}

export function imageLayers(image: { manifest: { layers: { digest: string; size: number; mediaType: string }[] }; config: { rootfs?: { diff_ids: string[] } } }): BuiltLayer[] {
  const diffIds = image.config.rootfs?.diff_ids ?? []
  return image.manifest.layers.map((descriptor, i) => ({
    digest: descriptor.digest,
    diffId: diffIds[i] ?? '',
    size: descriptor.size,
    blobSize: descriptor.size,
    mediaType: descriptor.mediaType,
  }))
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
    const from = resolveCopyFrom(ctx, instruction)
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

/** The executor runs plain RUNs; mounts, devices and insecure mode are refused at their line. */
function supportedRun(run: RunInstruction): RunInstruction {
  const unsupported =
    run.mounts.length > 0 ? 'RUN --mount' : run.devices.length > 0 ? 'RUN --device' : run.security === 'insecure' ? 'RUN --security=insecure' : undefined
  if (unsupported) throw new InstructionError(`${unsupported} is not supported by the embedded engine yet`, run.range, { phase: 'build' })
  return run
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
