import { describeMissReason, type MissReason, type PlannedStep, type StageRef } from './build-events'
import type { ApiErrorPayload } from './errors'
import { maxDockerfileChars } from './editor-api'
import { hasKeys, hasOnlyKeys, isRecord, isStringMap, isText } from './guards'

/**
 * The cache forecast: which steps the next build will take from the cache and which it will
 * rebuild, and why, computed without running anything. `forecastBuild` answers it for the
 * editor (with the unsaved text) and `layerlab build --dry-run` prints it.
 *
 * - `cached`: the build will take the step from the cache (metadata steps always are).
 * - `rebuild`: the build will run it; `reason` is the MissReason the build will report.
 * - `uncertain`: the outcome depends on what a step that will rebuild produces (a `COPY --from`
 *   a stage that rebuilds is keyed by the content it selects there), so it cannot be known
 *   before running; `detail` says which stage or step it waits on.
 * - `pull`: a FROM whose image is not in the store yet; the build will pull it first.
 * - `fail`: the build will stop here (`detail` is its error, e.g. a COPY source that is missing).
 * - `not-run`: after a `fail`, as the build will report it.
 */
export type ForecastStatus = 'cached' | 'rebuild' | 'uncertain' | 'pull' | 'fail' | 'not-run'

export interface StepForecast extends PlannedStep {
  status: ForecastStatus
  /** For `rebuild`: the reason the build will give (absent when it depends on a pull). */
  reason?: MissReason
  /** For `uncertain`, `pull`, `fail`, and a `rebuild` without a reason: what it depends on. */
  detail?: string
}

export interface StageForecast {
  stage: StageRef
  base: string
  steps: StepForecast[]
}

export interface BuildForecast {
  /** The Dockerfile as the build would name it (absolute). */
  dockerfile: string
  target?: string
  stages: StageForecast[]
  warnings: { message: string; line?: number }[]
  /** Set when the Dockerfile cannot be planned (a parse error, an unknown target...): no stages then. */
  error?: ApiErrorPayload
  timing: {
    totalMs: number
    /** Parse, stages, base images from the store. */
    planMs: number
    /** Walking the context (once per forecast, only when a step copies from it). */
    contextMs: number
    /** Keys, source digests and cache lookups. */
    keyMs: number
    /** Context files read to digest them, and files whose digest came from the stat cache. */
    filesHashed: number
    filesFromStatCache: number
  }
}

export interface ForecastBuildArgs {
  /** Absolute path of the project folder (the build context). */
  dir: string
  /** Relative to `dir` (or absolute, but inside it); default `Dockerfile`. */
  dockerfile?: string
  /** The editor's text when it differs from the file on disk; the file is read otherwise. */
  text?: string
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
}

const isPath = (v: unknown): v is string => isText(v, 4096)
const isArgName = (k: string): boolean => k.length > 0 && k.length <= 256 && !/[=\s\0]/.test(k)
const isArgValue = (v: unknown): boolean => typeof v === 'string' && v.length <= 65536 && !v.includes('\0')

export function isForecastBuildArgs(value: unknown): value is ForecastBuildArgs {
  return (
    isRecord(value) &&
    hasKeys(value, ['dir']) &&
    hasOnlyKeys(value, {
      dir: isPath,
      dockerfile: isPath,
      text: (v) => typeof v === 'string' && v.length <= maxDockerfileChars,
      buildArgs: (v) => isStringMap(v, { maxEntries: 256, key: isArgName, value: isArgValue }),
      target: (v) => isText(v, 256),
      noCache: (v) => typeof v === 'boolean',
    })
  )
}

/** The forecast of one step in words, the same in the CLI, the timeline and the gutter. */
export function describeForecast(step: Pick<StepForecast, 'status' | 'reason' | 'detail'>): string {
  switch (step.status) {
    case 'cached':
      return 'will be cached'
    case 'rebuild':
      return `will rebuild: ${step.reason ? describeForecastReason(step.reason) : (step.detail ?? 'unknown reason')}`
    case 'uncertain':
      return `may rebuild: ${step.detail ?? 'it depends on a step that rebuilds'}`
    case 'pull':
      return `will pull: ${step.detail ?? 'the image is not in the store'}`
    case 'fail':
      return `will fail: ${step.detail ?? 'unknown error'}`
    case 'not-run':
      return 'will not run (an earlier step fails)'
  }
}

/** A miss reason in the future tense where it names a parent ("parent step 2 will rebuild"). */
export function describeForecastReason(reason: MissReason): string {
  if (reason.kind === 'parent-rebuilt') return `parent step ${reason.parentIndex} will rebuild (${reason.parentInstruction})`
  return describeMissReason(reason)
}
