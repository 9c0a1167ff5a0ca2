// Public API of the cache module: step inputs (what a step's result depends on, by BuildKit's
// rules), their keys, and why a step missed. Pure: the store keeps entries and records.

export { CanonicalJsonError, canonicalJson } from './canonical-json'
export { cacheKey, chainKey, keyMaterial } from './cache-key'
export type { KeyMaterial } from './cache-key'
export { cleanSelector, resolveDest } from './container-path'
export {
  CacheInputError,
  DEFAULT_SHELL,
  baseParentKey,
  copyStepInputs,
  fromStepInputs,
  hasCacheKey,
  resolveWorkdir,
  runStepInputs,
  workdirStepInputs,
} from './step-inputs'
export type { StepContext } from './step-inputs'
export type {
  BaseImage,
  CopyOp,
  FromOp,
  MkdirOp,
  MountOp,
  RunOp,
  SourceInput,
  StepExplanation,
  StepInputs,
  StepOp,
} from './step-ops'
export { parseStepRecord, stepIdentity, stepRecordFingerprint } from './step-record'
export type { StepRecord } from './step-record'
export { explainMiss } from './miss-reason'
export type { MissContext, ParentRebuilt } from './miss-reason'
export { describeOpChange } from './op-diff'
export { forecastKeyedStep } from './forecast-step'
export type { CacheAnswer, KeyedStepForecast } from './forecast-step'
export { judgeForecast } from './forecast-judge'
export type { ForecastDisagreement } from './forecast-judge'
