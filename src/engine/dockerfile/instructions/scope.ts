// ARG and ENV scoping across a build: the environment each instruction of each built stage is
// expanded with (dockerfile2llb toDispatchState/dispatch/dispatchArg/dispatchEnv).
//
// * Global ARGs are visible to FROM lines only; a stage sees one after `ARG NAME` without a value.
// * A stage ARG's value: the --build-arg, else its default (expanded with the stage so far), else
//   the global value; with none of these it is declared but not set.
// * ARG and ENV values share one build environment where the later definition wins (an ENV after
//   an ARG shadows it; an ARG after an ENV replaces it for the build, not in the image config).
// * A stage built FROM an earlier stage starts with that stage's environment and ARGs.
//
// ONBUILD triggers run first in the stage they fire in, dispatched like its own instructions
// (same ARG/ENV scope, build args and globals included): those of an in-file base stage
// (resolveTarget) and, with `imageTriggers`, those of a base image's config (image-triggers.ts).
// Either way they fire one generation down only: a stage FROM a stage gets the parent's ONBUILD
// instructions, never the triggers the parent itself inherited.

import { goQuote } from '../go-strings'
import { unusedBuildArgs } from './args'
import { EnvList, addImageEnv } from './env-list'
import type { EnvEntry } from './env-list'
import { InstructionError } from './errors'
import { expandCommand, expanderFor } from './expand'
import { StateTable, commandDependencies } from './graph'
import type { StageDependency } from './graph'
import { inTrigger, parseImageTriggers } from './image-triggers'
import type { Platform } from './platform'
import type { Stage, StagesResult } from './stages'
import { resolveTarget } from './target'
import type { BuildPlan } from './target'
import type { ArgDefinition, ArgInstruction, Command } from './types'

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Build args the SBOM scanner reads; BuildKit keeps them out of the environment. */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE'])

export interface ExpandOptions {
  /** The `Env` of a base image's config (FROM <image>); unknown images start with none. */
  readonly imageEnv?: (ref: string, platform: Platform) => readonly string[] | undefined
  /**
   * The `OnBuild` of a base image's config, the trigger texts in order: they run right after
   * FROM, before the stage's instructions. Unknown images, or no option: no triggers.
   */
  readonly imageTriggers?: (ref: string, platform: Platform) => readonly string[] | undefined
  /** Expand every stage, not only those the target needs (BuildKit does this when linting). */
  readonly allStages?: boolean
}

export interface ExpandedStep {
  /** As parsed. */
  readonly instruction: Command
  /** With variables replaced (the same object when the instruction is not expanded). */
  readonly expanded: Command
  /** The build environment before the instruction: what it was expanded with, what a RUN gets. */
  readonly env: readonly EnvEntry[]
  /** The ARGs declared in the stage so far, with their values (null: declared, not set). */
  readonly args: readonly ArgDefinition[]
  /**
   * An ONBUILD trigger: of the base stage (in-file) or of the base image's config. Triggers come
   * before the stage's own steps, and their `range`/`line` are the stage's FROM (BuildKit places
   * them there: it is where they fire, and errors about them point at it).
   */
  readonly onbuild: boolean
}

export interface ExpandedStage {
  readonly stage: Stage
  readonly platform: Platform
  readonly steps: readonly ExpandedStep[]
  /** The build environment after the last instruction. */
  readonly env: readonly EnvEntry[]
  /** The image config's Env after the last instruction (ENV only, no ARG). */
  readonly imageEnv: readonly string[]
  readonly args: readonly ArgDefinition[]
  /**
   * The stages and images the trigger steps read (COPY --from, RUN --mount=from); the stage's
   * own instructions' are `stage.dependencies`. Their `instruction.line` is the FROM's.
   */
  readonly triggerDependencies: readonly StageDependency[]
}

export interface ExpandedBuild {
  readonly target: Stage
  readonly globalArgs: readonly EnvEntry[]
  /** The stages built, in the order BuildKit builds them (file order). */
  readonly stages: readonly ExpandedStage[]
  /** Build args no ARG consumed (see unusedBuildArgsWarning for the legacy builder's wording). */
  readonly unusedBuildArgs: readonly string[]
}

interface StageState {
  env: EnvList
  imageEnv: readonly string[]
  args: ArgDefinition[]
  platform: Platform
}

/** The platform a stage runs for: `FROM --platform`, else the target platform. */
function stagePlatform(stage: Stage, result: StagesResult): Platform {
  return stage.platform?.platform ?? result.options.targetPlatform
}

function initialState(
  stage: Stage,
  built: ReadonlyMap<number, ExpandedStage>,
  result: StagesResult,
  options: ExpandOptions,
): StageState {
  const parent = stage.base.stage === null ? undefined : built.get(stage.base.stage)
  if (parent !== undefined) {
    const env = EnvList.fromEntries(parent.env)
    return { env, imageEnv: parent.imageEnv, args: [...parent.args], platform: parent.platform }
  }
  const platform = stagePlatform(stage, result)
  let imageEnv = stage.base.scratch ? [] : [...(options.imageEnv?.(stage.base.expanded, platform) ?? [])]
  // BuildKit makes sure PATH is set (scratch gets the default too), except on Windows.
  if (platform.os !== 'windows' && !EnvList.fromStrings(imageEnv).has('PATH')) {
    imageEnv = [...imageEnv, `PATH=${DEFAULT_PATH}`]
  }
  return { env: EnvList.fromStrings(imageEnv), imageEnv, args: [], platform }
}

/** A command that runs in a stage: one of its instructions, or a trigger that fires first. */
interface StageCommand {
  readonly command: Command
  readonly onbuild: boolean
  /** A base image's trigger: its text, for messages. */
  readonly imageTrigger?: string
  /** A base image's trigger: the stages and images it reads. */
  readonly dependencies?: readonly StageDependency[]
}

/**
 * The base image's triggers of each stage, parsed, with what they read (toCommand). BuildKit
 * registers the images they name after those of the Dockerfile's own instructions; a
 * `COPY --from=<n>` past the stages counts the Dockerfile's images only here.
 */
function imageTriggerCommands(result: StagesResult, options: ExpandOptions): (stage: Stage) => readonly StageCommand[] {
  const table = new StateTable(result.stages.length, result.stages.map((s) => s.name))
  for (const stage of result.stages) for (const c of stage.instructions) commandDependencies(c, table, result.escapeToken)
  const cache = new Map<number, StageCommand[]>()
  return (stage) => {
    const cached = cache.get(stage.index)
    if (cached !== undefined) return cached
    const { base } = stage
    const texts = base.stage !== null || base.scratch ? [] : (options.imageTriggers?.(base.expanded, stagePlatform(stage, result)) ?? [])
    const commands = parseImageTriggers(texts, stage).map((command, i): StageCommand => {
      const text = texts[i] ?? ''
      try {
        // As for in-file triggers (target.ts): `--from` is checked with the default escape.
        return { command, onbuild: true, imageTrigger: text, dependencies: commandDependencies(command, table, '\\') }
      } catch (err) {
        throw err instanceof InstructionError ? inTrigger(err, text) : err
      }
    })
    cache.set(stage.index, commands)
    return commands
  }
}

/** The stages to build, in file order, with the in-file triggers that fire in them. */
interface BuildOrder {
  readonly stages: readonly Stage[]
  readonly triggers: ReadonlyMap<number, readonly Command[]>
  readonly triggerDependencies: ReadonlyMap<number, readonly StageDependency[]>
}

/**
 * The stages the target needs (resolveTarget), plus whatever the base images' triggers read and
 * what those need in turn: BuildKit resolves the reachable stages again when triggers add
 * dependencies. A trigger reading a later stage is left to fail at dispatch, as in BuildKit.
 *
 * What a stage needs is resolveTarget of the file cut after it (it is then the last stage). In
 * that cut, an in-file trigger's `--from` naming a stage further down reads as an image rather
 * than failing; only stages brought in by a base image's trigger are resolved that way.
 */
function stagesToBuild(result: StagesResult, plan: BuildPlan, triggersOf: (stage: Stage) => readonly StageCommand[]): BuildOrder {
  const triggers = new Map(plan.triggers)
  const triggerDependencies = new Map(plan.triggerDependencies)
  const chosen = new Set(plan.stages.map((s) => s.index))
  let pending = plan.stages
  while (pending.length > 0) {
    const added: Stage[] = []
    for (const stage of pending) {
      for (const dep of triggersOf(stage).flatMap((c) => c.dependencies ?? [])) {
        if (dep.kind !== 'stage' || dep.stage >= stage.index || chosen.has(dep.stage)) continue
        const cut = resolveTarget(result.stages.slice(0, dep.stage + 1))
        for (const s of cut.stages) {
          if (chosen.has(s.index)) continue
          chosen.add(s.index)
          added.push(s)
          const fired = cut.triggers.get(s.index)
          if (fired !== undefined) triggers.set(s.index, fired)
          const reads = cut.triggerDependencies.get(s.index)
          if (reads !== undefined) triggerDependencies.set(s.index, reads)
        }
      }
    }
    pending = added
  }
  return { stages: result.stages.filter((s) => chosen.has(s.index)), triggers, triggerDependencies }
}

/** dispatch's `!src.dispatched` checks, for a trigger reading a stage not built before it. */
function checkBuiltBefore(command: StageCommand, expanded: Command, stage: Stage): void {
  for (const dep of command.dependencies ?? []) {
    if (dep.kind !== 'stage' || dep.stage < stage.index) continue
    let detail: string
    if (dep.via === 'copy') {
      detail = `cannot copy from stage ${goQuote(dep.reference)}, it needs to be defined before current stage ${goQuote(stage.label)}`
    } else {
      const mount = expanded.kind === 'run' ? expanded.mounts.find((m) => m.from === dep.reference) : undefined
      const target = goQuote(mount?.resolved?.target ?? '')
      detail = `cannot mount from stage ${goQuote(dep.reference)} to ${target}, stage needs to be defined before current command`
    }
    throw new InstructionError(detail, expanded.range, { phase: 'build' })
  }
}

/** dispatchArg: one ARG instruction, each name in turn (so `ARG a=1 b=$a` gives b=1). */
function dispatchArg(arg: ArgInstruction, state: StageState, result: StagesResult, globals: EnvList): ArgInstruction {
  const buildArgs = result.options.buildArgs
  const resolved: ArgDefinition[] = []
  for (const { key, value } of arg.args) {
    let v: string | null
    const override = buildArgs.get(key)
    if (override !== undefined) v = override
    else if (value !== null) v = expanderFor(state.env, result.escapeToken, arg.range).word(value)
    else v = globals.get(key) ?? null
    if (v !== null && !NON_ENV_ARGS.has(key)) state.env = state.env.set(key, v)
    state.args.push({ key, value: v })
    resolved.push({ key, value: v })
  }
  return { ...arg, args: resolved }
}

function dispatch(command: Command, state: StageState, result: StagesResult, globals: EnvList): Command {
  if (command.kind === 'arg') return dispatchArg(command, state, result, globals)
  const expanded = expandCommand(command, state.env, result.escapeToken)
  if (expanded.kind === 'env') {
    for (const { key, value } of expanded.pairs) {
      state.env = state.env.set(key, value)
      state.imageEnv = addImageEnv(state.imageEnv, key, value)
    }
  }
  return expanded
}

/**
 * Expands every instruction of the stages the target needs (all stages with `allStages`), in
 * build order, tracking ARG and ENV scope; ONBUILD triggers first in the stage they fire in.
 * Throws InstructionError at the first failure, as a build would (stage graph errors from
 * resolveTarget first; a base image's bad trigger at the FROM of the stage, naming the trigger).
 */
export function expandStages(result: StagesResult, options: ExpandOptions = {}): ExpandedBuild {
  const plan = resolveTarget(result.stages, result.options.target ?? undefined)
  const triggersOf = imageTriggerCommands(result, options)
  const order: BuildOrder = options.allStages ? { ...plan, stages: result.stages } : stagesToBuild(result, plan, triggersOf)
  const globals = EnvList.fromEntries(result.globalArgs)
  const declared = new Set<string>(result.metaArgs.flatMap((a) => a.args.map((d) => d.key)))
  const built = new Map<number, ExpandedStage>()

  for (const stage of order.stages) {
    const state = initialState(stage, built, result, options)
    const steps: ExpandedStep[] = []
    // A stage has a base stage (in-file triggers) or a base image (its config's), never both.
    const commands: StageCommand[] = [
      ...(order.triggers.get(stage.index) ?? []).map((c) => ({ command: c, onbuild: true })),
      ...triggersOf(stage),
      ...stage.instructions.map((c) => ({ command: c, onbuild: false })),
    ]
    for (const entry of commands) {
      const { command, onbuild, imageTrigger } = entry
      const env = state.env.entries
      const args = [...state.args]
      if (command.kind === 'arg') for (const { key } of command.args) declared.add(key)
      let expanded: Command
      try {
        expanded = dispatch(command, state, result, globals)
        checkBuiltBefore(entry, expanded, stage)
      } catch (err) {
        throw imageTrigger !== undefined && err instanceof InstructionError ? inTrigger(err, imageTrigger) : err
      }
      steps.push({ instruction: command, expanded, env, args, onbuild })
    }
    built.set(stage.index, {
      stage,
      platform: state.platform,
      steps,
      env: state.env.entries,
      imageEnv: state.imageEnv,
      args: state.args,
      triggerDependencies: [
        ...(order.triggerDependencies.get(stage.index) ?? []),
        ...triggersOf(stage).flatMap((c) => c.dependencies ?? []),
      ],
    })
  }
  return {
    target: plan.target,
    globalArgs: result.globalArgs,
    stages: [...built.values()],
    unusedBuildArgs: unusedBuildArgs(result.options.buildArgs, declared),
  }
}
