import type { BuildPlanEvent, StepFinishedEvent } from './build-events'
import type { ApiErrorPayload } from './errors'
import { hasKeys, hasOnlyKeys, isArrayOf, isRecord, isStringMap, isText } from './guards'

/**
 * The project and build calls of the contract: their argument and result types and the guards
 * that check arguments before any handler sees them. Paths are checked again by the engine
 * (absolute, inside the project); these guards only check shape and size.
 */

/** One stage of the project's Dockerfile, for the target picker. */
export interface ProjectStage {
  index: number
  /** The `AS name`; only named stages can be a target. */
  name: string | null
  /** The base as written: `scratch`, `busybox:1.36`, another stage's name. */
  base: string
  line: number
}

export interface OpenProjectArgs {
  /** Absolute path of the project folder (the build context). */
  dir: string
  /** Which Dockerfile to describe, relative to `dir`; default `Dockerfile` or the first found. */
  dockerfile?: string
}

export interface ProjectInfo {
  /** The folder as the engine resolved it (symlinks followed): what history is keyed by. */
  dir: string
  /** Dockerfile, *.Dockerfile and Dockerfile.* in the folder and its subfolders, relative, `/`-separated. */
  dockerfiles: string[]
  /** The Dockerfile `stages` describes. */
  dockerfile: string
  stages: ProjectStage[]
  /** Set when that Dockerfile does not parse: the stages are then empty. */
  stagesError?: ApiErrorPayload
}

export interface StartBuildArgs {
  dir: string
  /** Relative to `dir` (or absolute, but inside it); default `Dockerfile`. */
  dockerfile?: string
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
  tags?: string[]
  /** Who builds: Layerlab's own engine (default) or the Docker daemon the engine found. */
  backend?: BuildBackendChoice
}

export type BuildBackendChoice = 'embedded' | 'docker'

export interface BuildSummary {
  id: string
  startedAt: string
  finishedAt?: string
  status: 'running' | 'succeeded' | 'failed' | 'cancelled'
  durationMs?: number
  /** Relative to the project when inside it. */
  dockerfile: string
  /** Set for builds the Docker daemon ran; absent for the embedded engine's. */
  backend?: 'docker'
  /** The store's manifest digest, or for a Docker build the daemon's image id. */
  image?: { digest: string; tags: string[] }
  /** Steps that have a layer, and how many of those came from the cache. */
  layerSteps: number
  cachedLayerSteps: number
}

export interface BuildRecordView extends BuildSummary {
  project: string
  /** The planned stages (absent when the build failed before planning). */
  plan: BuildPlanEvent['stages'] | null
  /** Every step's step-finished event, in order. */
  steps: StepFinishedEvent[]
}

const maxPath = 4096
const isPath = (v: unknown): v is string => isText(v, maxPath)
const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
const isShort = (v: unknown): v is string => isText(v, 256)
/** What a build arg may be called: anything BuildKit accepts, bar `=` and whitespace. */
const isArgName = (k: string): boolean => k.length > 0 && k.length <= 256 && !/[=\s\0]/.test(k)
const isArgValue = (v: unknown): boolean => typeof v === 'string' && v.length <= 65536 && !v.includes('\0')
const BUILD_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$/

export function isBuildId(value: unknown): value is string {
  return typeof value === 'string' && BUILD_ID.test(value)
}

export function isOpenProjectArgs(value: unknown): value is OpenProjectArgs {
  return isRecord(value) && hasKeys(value, ['dir']) && hasOnlyKeys(value, { dir: isPath, dockerfile: isPath })
}

export function isStartBuildArgs(value: unknown): value is StartBuildArgs {
  return (
    isRecord(value) &&
    hasKeys(value, ['dir']) &&
    hasOnlyKeys(value, {
      dir: isPath,
      dockerfile: isPath,
      buildArgs: (v) => isStringMap(v, { maxEntries: 256, key: isArgName, value: isArgValue }),
      target: isShort,
      noCache: isBool,
      tags: (v) => isArrayOf(v, isShort, 32),
      backend: (v) => v === 'embedded' || v === 'docker',
    })
  )
}

export function isCancelBuildArgs(value: unknown): value is { buildId: string } {
  return isRecord(value) && hasKeys(value, ['buildId']) && hasOnlyKeys(value, { buildId: isBuildId })
}

export function isListBuildsArgs(value: unknown): value is { dir: string; limit?: number } {
  const isLimit = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 500
  return isRecord(value) && hasKeys(value, ['dir']) && hasOnlyKeys(value, { dir: isPath, limit: isLimit })
}

export function isReadBuildArgs(value: unknown): value is { id: string } {
  return isRecord(value) && hasKeys(value, ['id']) && hasOnlyKeys(value, { id: isBuildId })
}
