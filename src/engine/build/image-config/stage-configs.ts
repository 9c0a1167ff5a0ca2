// The config of every stage of an expanded build, in build order, as BuildKit's frontend holds
// it before export: `FROM scratch` / image / earlier stage, the base image's ONBUILD triggers,
// then the stage's own steps (in-file ONBUILD triggers are already among them).

import { EnvList, ShellLex, expandCommand } from '../../dockerfile'
import type { ArgDefinition, EscapeToken, ExpandedBuild, ExpandedStage, Platform } from '../../dockerfile'
import type { ImageConfig } from '../../store'
import { initialConfig, inheritStageConfig } from './base-config'
import { applyInstruction, applyStage } from './config-builder'
import type { AppliedStep } from './config-builder'
import { onbuildTriggers, parseOnbuildTriggers } from './onbuild-triggers'
import type { OciImageConfig } from './types'

export interface StageConfig {
  readonly stage: ExpandedStage
  /** The config after the stage's last instruction (history undated, rootfs of the base). */
  readonly config: OciImageConfig
  /** One entry per step: base-image triggers first, then ExpandedStage.steps. */
  readonly steps: readonly AppliedStep[]
}

export interface StageConfigOptions {
  /** The config blob of a base image, by the expanded FROM reference and the stage platform. */
  readonly baseConfig: (ref: string, platform: Platform) => ImageConfig | undefined
  /** The Dockerfile's escape token, which BuildKit also expands triggers with. */
  readonly escapeToken?: EscapeToken
}

/**
 * Runs a base image's triggers (dispatch of initOnBuildTriggers' commands). expandStages does
 * not know image triggers, so its later steps were expanded without what an ENV or ARG trigger
 * sets; triggers themselves are expanded here with the image env plus the triggers before them.
 */
function runImageTriggers(
  config: OciImageConfig,
  stage: ExpandedStage,
  escapeToken: EscapeToken,
  triggers: readonly string[],
): { config: OciImageConfig; steps: AppliedStep[]; cmdSet: boolean } {
  const lex = new ShellLex({ escapeToken })
  let env = EnvList.fromStrings(config.config.Env ?? [])
  const args: ArgDefinition[] = []
  let cmdSet = false
  const steps: AppliedStep[] = []
  for (const command of parseOnbuildTriggers(triggers, stage.stage.from)) {
    let expanded = expandCommand(command, env, escapeToken)
    const before = env.entries
    if (expanded.kind === 'arg') {
      // dispatchArg without build args or globals: each default sees the ARGs before it.
      const resolved = expanded.args.map(({ key, value }) => {
        const v = value === null ? null : lex.processWord(value, env.lookup).result
        if (v !== null) env = env.set(key, v)
        return { key, value: v }
      })
      expanded = { ...expanded, args: resolved }
    }
    const result = applyInstruction(config, expanded, { env: before, args, cmdSet })
    if (expanded.kind === 'env') for (const p of expanded.pairs) env = env.set(p.key, p.value)
    if (expanded.kind === 'arg') args.push(...expanded.args)
    if (expanded.kind === 'cmd') cmdSet = true
    config = result.config
    steps.push({ history: result.history, layer: result.layer })
  }
  return { config, steps, cmdSet }
}

/**
 * Every stage of the build, in build order. Throws when a base image's config is unknown, and
 * InstructionError when a base image's trigger does not parse.
 */
export function stageConfigs(build: ExpandedBuild, options: StageConfigOptions): StageConfig[] {
  const escapeToken = options.escapeToken ?? '\\'
  const done = new Map<number, StageConfig>()
  for (const stage of build.stages) {
    const base = stage.stage.base
    let config: OciImageConfig
    let triggerSteps: AppliedStep[] = []
    let cmdSet = false
    if (base.stage !== null) {
      const parent = done.get(base.stage)
      if (parent === undefined) throw new Error(`stage ${base.stage} is not built before ${stage.stage.label}`)
      config = inheritStageConfig(parent.config)
    } else if (base.scratch) {
      config = initialConfig('scratch', stage.platform)
    } else {
      const blob = options.baseConfig(base.expanded, stage.platform)
      if (blob === undefined) throw new Error(`no image config for ${base.expanded}`)
      config = initialConfig(blob, stage.platform)
      const triggers = onbuildTriggers(blob)
      // expandStages runs image triggers itself when given `imageTriggers` (a stage FROM an image
      // can only have image triggers as onbuild steps); run them here only when it was not.
      const expandedTriggers = stage.steps.some((s) => s.onbuild)
      if (triggers.length > 0 && !expandedTriggers) ({ config, steps: triggerSteps, cmdSet } = runImageTriggers(config, stage, escapeToken, triggers))
    }
    const applied = applyStage(config, stage.steps, cmdSet)
    done.set(stage.stage.index, { stage, config: applied.config, steps: [...triggerSteps, ...applied.steps] })
  }
  return [...done.values()]
}
