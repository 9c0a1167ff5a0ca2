// Image config and history as BuildKit writes them: where a stage's config starts, what each
// instruction does to it, and the exported blob. Pure functions; times come from the caller.

export { initialConfig, inheritStageConfig, goTime } from './base-config'
export { applyInstruction, applyStage } from './config-builder'
export type { AppliedStep } from './config-builder'
export { HISTORY_COMMENT, argText, copyText, healthcheckText, runArgs, runCommandString, withShell } from './created-by'
export { finalizeConfig, stampHistory, countLayerEntries, ImageConfigError } from './history'
export type { FinalizeOptions } from './history'
export { imageConfigJson, containerConfigJson, goJsonString } from './config-json'
export { onbuildTriggers, parseOnbuildTriggers } from './onbuild-triggers'
export { goDuration, goQuotedRune } from './go-format'
export { normalizeWorkdir, WorkdirError } from './paths'
export type {
  ApplyContext,
  ApplyResult,
  ContainerConfig,
  Empty,
  HealthcheckConfig,
  HistoryEntry,
  LayerEffect,
  OciImageConfig,
} from './types'
export { stageConfigs } from './stage-configs'
export type { StageConfig, StageConfigOptions } from './stage-configs'
