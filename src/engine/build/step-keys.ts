// How a stage's steps are keyed, shared by the build (stage-runner.ts) and the forecast
// (forecast-build.ts): where a stage starts, the context each step sees, the inputs its key is
// made of, and how the image config moves on. Nothing here runs a step or writes anything, so
// a forecast that calls these functions keys every step exactly as the build will.

import type { PlannedStep } from '../../shared/build-events'
import {
  baseParentKey,
  copyStepInputs,
  DEFAULT_SHELL,
  runStepInputs,
  workdirStepInputs,
  type BaseImage,
  type ParentRebuilt,
  type SourceInput,
  type StepContext,
  type StepInputs,
} from '../cache'
import type { BuildContext } from '../context'
import {
  InstructionError,
  type AddInstruction,
  type Command,
  type CopyInstruction,
  type ExpandedStage,
  type ExpandedStep,
  type RunInstruction,
} from '../dockerfile'
import type { BuiltLayer } from './build-state'
import { applyInstruction, inheritStageConfig, initialConfig, type OciImageConfig } from './image-config'
import type { BuildPlan } from './plan'

/** Where the key chain of a stage stands: what the next keyed step is keyed on. */
export interface KeyChain {
  config: OciImageConfig
  key: string
  /** The first step of the stage that missed (its later steps say "parent step N was rebuilt"). */
  rebuilt?: ParentRebuilt
  cmdSet: boolean
  /** Ordinal of the last keyed step (FROM is 0): the step identity's last part. */
  keyedIndex: number
}

/** What a child stage reads of the stage it is built FROM. */
export interface ParentStage {
  config: OciImageConfig
  key: string
  /** Unknown in a forecast when the stage will rebuild: its layers do not exist yet. */
  layers: BuiltLayer[] | undefined
}

export interface StageStart {
  base: BaseImage
  chain: KeyChain
  layers: BuiltLayer[] | undefined
}

/**
 * The state a stage starts from: scratch, another stage's end, or an image from the plan. The
 * image must be in `plan.images` (the build pulls before this; a forecast handles a missing one).
 */
export function startStage(plan: BuildPlan, expanded: ExpandedStage, parentStage: (index: number) => ParentStage | undefined): StageStart {
  const { stage, platform } = expanded
  const chain = (config: OciImageConfig, base: BaseImage): KeyChain => ({ config, key: baseParentKey(base), cmdSet: false, keyedIndex: 0 })
  if (stage.base.scratch) {
    const base: BaseImage = { kind: 'scratch' }
    return { base, chain: chain(initialConfig('scratch', platform), base), layers: [] }
  }
  if (stage.base.stage !== null) {
    const parent = parentStage(stage.base.stage)
    if (!parent) throw new Error(`stage ${stage.base.stage} was not built before ${stage.label}`)
    const base: BaseImage = { kind: 'stage', name: stage.base.expanded, key: parent.key }
    // The parent's config lists only its base image's diff_ids until it is finalized; the child
    // starts from the parent's whole filesystem.
    const config = inheritStageConfig(parent.config)
    if (parent.layers) config.rootfs = { ...config.rootfs, diff_ids: parent.layers.map((l) => l.diffId) }
    return { base, chain: chain(config, base), layers: parent.layers ? [...parent.layers] : undefined }
  }
  const image = plan.images.get(stage.base.expanded)
  if (!image) throw new Error(`base image ${stage.base.expanded} was not resolved`)
  const base: BaseImage = { kind: 'image', ref: stage.base.expanded, manifestDigest: image.manifestDescriptor.digest, platform }
  return { base, chain: chain(initialConfig(image.config, platform), base), layers: imageLayers(image) }
}

/** What a step sees of the stage: WORKDIR, USER and SHELL from the config, env and args from the expansion. */
export function stepContext(chain: KeyChain, step: ExpandedStep, expanded: ExpandedStage): StepContext {
  return {
    workdir: chain.config.config.WorkingDir || '/',
    user: chain.config.config.User ?? '',
    shell: chain.config.config.Shell ?? DEFAULT_SHELL,
    env: step.env,
    platform: expanded.platform,
    args: step.args,
  }
}

/**
 * The inputs of a step's key, or null for a step without one (metadata, `WORKDIR /`). `sources`
 * gives a COPY/ADD's content digests, which only the caller can know (context, stage, image).
 */
export async function keyedStepInputs(
  chain: KeyChain,
  instruction: Command,
  stepCtx: StepContext,
  sources: (instruction: CopyInstruction | AddInstruction) => Promise<SourceInput[]>,
): Promise<StepInputs | null> {
  if (instruction.kind === 'copy' || instruction.kind === 'add') return copyStepInputs(chain.key, instruction, stepCtx, await sources(instruction))
  if (instruction.kind === 'workdir') return workdirStepInputs(chain.key, instruction, stepCtx)
  if (instruction.kind === 'run') return runStepInputs(chain.key, supportedRun(instruction), stepCtx)
  return null
}

/** The executor runs plain RUNs; mounts, devices and insecure mode are refused at their line. */
export function supportedRun(run: RunInstruction): RunInstruction {
  const unsupported =
    run.mounts.length > 0 ? 'RUN --mount' : run.devices.length > 0 ? 'RUN --device' : run.security === 'insecure' ? 'RUN --security=insecure' : undefined
  if (unsupported) throw new InstructionError(`${unsupported} is not supported by the embedded engine yet`, run.range, { phase: 'build' })
  return run
}

/** After a keyed step: the first miss of the stage is remembered for the reasons of the steps after it. */
export function noteRebuilt(chain: KeyChain, planned: PlannedStep, cached: boolean): void {
  if (!cached) chain.rebuilt ??= { stepId: planned.id, index: planned.index, instruction: planned.instruction }
}

/** Every step, keyed or not, moves the image config on (ENV, WORKDIR, USER, SHELL...). */
export function applyStep(chain: KeyChain, step: ExpandedStep): void {
  const instruction = step.expanded
  chain.config = applyInstruction(chain.config, instruction, { env: step.env, args: step.args, cmdSet: chain.cmdSet }).config
  if (instruction.kind === 'cmd') chain.cmdSet = true
}

export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source)

/** ADD of a URL without --checksum: BuildKit re-fetches it every build, so it never hits. */
export function isVolatile(instruction: Command): boolean {
  return instruction.kind === 'add' && instruction.checksum === null && instruction.sources.some(isUrl)
}

/**
 * The source inputs of a COPY/ADD from the build context (and URLs): the content digest of the
 * selected files, or a URL's pinned checksum. Per-file digests ride along (unless `perFile` is
 * false) so a miss can name the files that changed.
 */
export async function contextSourceInputs(
  context: BuildContext,
  instruction: CopyInstruction | AddInstruction,
  opts: { perFile?: boolean } = {},
): Promise<SourceInput[]> {
  const urls = instruction.sources.filter(isUrl)
  const local = instruction.sources.filter((s) => !isUrl(s))
  const inputs: SourceInput[] = urls.map((url) => ({
    selector: url,
    digest: instruction.kind === 'add' && instruction.checksum ? instruction.checksum : `volatile:${url}`,
  }))
  if (local.length === 0) return inputs
  const selection = context.selectCopySources(local, { exclude: instruction.excludes })
  const { parts } = await context.digestSelectors(selection.selectors)
  // The per-file maps only explain a miss (they are not keyed): a forecast asks for them only then.
  if (opts.perFile === false) return [...inputs, ...parts.map((part) => ({ selector: part.path, digest: part.digest }))]
  // Items grouped by the selector part they belong to, in selection order.
  const itemsByPart = new Map<string, (typeof selection.items)[number][]>()
  for (const item of selection.items) {
    const key = `/${item.resolvedPath}`
    const group = itemsByPart.get(key)
    if (group === undefined) itemsByPart.set(key, [item])
    else group.push(item)
  }
  for (const part of parts) {
    const files: Record<string, string> = {}
    // Every file was digested with its selection just above: the digests are known, and taken
    // without a promise per file (an await each cost a 20,000-file no-op rebuild ~100 ms).
    for (const item of itemsByPart.get(part.path) ?? []) {
      for (const { entry } of [item, ...item.contents]) {
        if (entry.type === 'dir') continue
        const digest = context.knownDigestOrPromise(entry.relPath)
        files[entry.relPath] = typeof digest === 'string' ? digest : await digest
      }
    }
    inputs.push({ selector: part.path, digest: part.digest, files })
  }
  return inputs
}

export type CopyFromSource = { kind: 'stage'; stage: number } | { kind: 'image'; ref: string; manifestDigest: string; layers: BuiltLayer[] }

/** The stage or image a `COPY --from` reads, as the plan resolved it. */
export function resolveCopyFrom(plan: BuildPlan, instruction: CopyInstruction): CopyFromSource {
  // Triggers sit on their FROM line, where no other instruction is, so line + reference still
  // identifies the COPY among the stage's own and its triggers' dependencies.
  for (const { stage, triggerDependencies } of plan.expanded.stages) {
    for (const dep of [...stage.dependencies, ...triggerDependencies]) {
      if (dep.via !== 'copy' || dep.instruction.line !== instruction.line || dep.reference !== instruction.from) continue
      if (dep.kind === 'stage') return { kind: 'stage', stage: dep.stage }
      const image = plan.images.get(dep.ref)
      if (!image) throw new Error(`image ${dep.ref} was not resolved`)
      return { kind: 'image', ref: dep.ref, manifestDigest: image.manifestDescriptor.digest, layers: imageLayers(image) }
    }
  }
  throw new Error(`COPY --from=${instruction.from}: no such stage or image`)
}

/** The source inputs of `COPY --from=<image>`: the image's manifest digest per source. */
export function imageSourceInputs(manifestDigest: string, instruction: CopyInstruction): SourceInput[] {
  return instruction.sources.map((selector) => ({ selector, digest: manifestDigest }))
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
