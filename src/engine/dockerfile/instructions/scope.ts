// ARG and ENV scoping across a build: the environment each instruction of each built stage is
// expanded with (dockerfile2llb toDispatchState/dispatch/dispatchArg/dispatchEnv).
//
// * Global ARGs are visible to FROM lines only; a stage sees one after `ARG NAME` without a value.
// * A stage ARG's value: the --build-arg, else its default (expanded with the stage so far), else
//   the global value; with none of these it is declared but not set.
// * ARG and ENV values share one build environment where the later definition wins (an ENV after
//   an ARG shadows it; an ARG after an ENV replaces it for the build, not in the image config).
// * A stage built FROM an earlier stage starts with that stage's environment and ARGs.

import { unusedBuildArgs } from './args'
import { EnvList, addImageEnv } from './env-list'
import type { EnvEntry } from './env-list'
import { expandCommand, expanderFor } from './expand'
import type { Platform } from './platform'
import type { Stage, StagesResult } from './stages'
import { resolveTarget } from './target'
import type { ArgDefinition, ArgInstruction, Command } from './types'

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Build args the SBOM scanner reads; BuildKit keeps them out of the environment. */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE'])

export interface ExpandOptions {
  /** The `Env` of a base image's config (FROM <image>); unknown images start with none. */
  readonly imageEnv?: (ref: string, platform: Platform) => readonly string[] | undefined
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
  /** A trigger inherited from the base stage's ONBUILD. */
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
  const platform = stage.platform?.platform ?? result.options.targetPlatform
  let imageEnv = stage.base.scratch ? [] : [...(options.imageEnv?.(stage.base.expanded, platform) ?? [])]
  // BuildKit makes sure PATH is set (scratch gets the default too), except on Windows.
  if (platform.os !== 'windows' && !EnvList.fromStrings(imageEnv).has('PATH')) {
    imageEnv = [...imageEnv, `PATH=${DEFAULT_PATH}`]
  }
  return { env: EnvList.fromStrings(imageEnv), imageEnv, args: [], platform }
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
 * build order, tracking ARG and ENV scope. Throws InstructionError at the first failure, as a
 * build would (stage graph errors from resolveTarget first).
 */
export function expandStages(result: StagesResult, options: ExpandOptions = {}): ExpandedBuild {
  const plan = resolveTarget(result.stages, result.options.target ?? undefined)
  const order = options.allStages ? result.stages : plan.stages
  const globals = EnvList.fromEntries(result.globalArgs)
  const declared = new Set<string>(result.metaArgs.flatMap((a) => a.args.map((d) => d.key)))
  const built = new Map<number, ExpandedStage>()

  for (const stage of order) {
    const state = initialState(stage, built, result, options)
    const steps: ExpandedStep[] = []
    const commands = [
      ...(plan.triggers.get(stage.index) ?? []).map((c) => ({ command: c, onbuild: true })),
      ...stage.instructions.map((c) => ({ command: c, onbuild: false })),
    ]
    for (const { command, onbuild } of commands) {
      const env = state.env.entries
      const args = [...state.args]
      if (command.kind === 'arg') for (const { key } of command.args) declared.add(key)
      const expanded = dispatch(command, state, result, globals)
      steps.push({ instruction: command, expanded, env, args, onbuild })
    }
    built.set(stage.index, {
      stage,
      platform: state.platform,
      steps,
      env: state.env.entries,
      imageEnv: state.imageEnv,
      args: state.args,
    })
  }
  return {
    target: plan.target,
    globalArgs: result.globalArgs,
    stages: [...built.values()],
    unusedBuildArgs: unusedBuildArgs(result.options.buildArgs, declared),
  }
}
