import type { ApiErrorPayload, SourceLocation } from './errors'

/**
 * A build, as data: every transition is one of these events, in order. The timeline, the layer
 * table and the editor gutter are reductions of this stream; the embedded engine and the Docker
 * backend both produce it.
 */
export type BuildEvent =
  | BuildStartedEvent
  | BuildPlanEvent
  | StepStartedEvent
  | StepLogEvent
  | StepProgressEvent
  | StepFinishedEvent
  | StepLayerEvent
  | BuildWarningEvent
  | BuildFinishedEvent

export type BackendKind = 'embedded' | 'docker'

export interface BuildStartedEvent {
  type: 'build-started'
  buildId: string
  backend: BackendKind
  contextDir: string
  dockerfile: string
  target?: string
  /** ms since the epoch */
  time: number
}

export interface StageRef {
  index: number
  /** The `AS name`, lower-cased as BuildKit does; absent for unnamed stages. */
  name?: string
}

export type StepKind = 'from' | 'run' | 'copy' | 'add' | 'workdir' | 'metadata'

export interface PlannedStep {
  /** Stable within a build: `<stage index>.<step index>`. */
  id: string
  stage: StageRef
  /** 0 for the FROM step, then 1, 2, … in instruction order. */
  index: number
  kind: StepKind
  /** The instruction's original text (continuations joined). */
  instruction: string
  /** Where the instruction is in the Dockerfile. */
  location: SourceLocation
}

export interface BuildPlanEvent {
  type: 'plan'
  buildId: string
  stages: { stage: StageRef; base: string; steps: PlannedStep[] }[]
}

export interface StepStartedEvent {
  type: 'step-started'
  buildId: string
  stepId: string
  time: number
}

export interface StepLogEvent {
  type: 'step-log'
  buildId: string
  stepId: string
  stream: 'stdout' | 'stderr'
  text: string
  time: number
}

/** Bytes moved by a step (a pull, a download, a copy). `total` is absent when unknown. */
export interface StepProgressEvent {
  type: 'step-progress'
  buildId: string
  stepId: string
  label: string
  current: number
  total?: number
}

export type StepStatus = 'cached' | 'built' | 'failed' | 'not-run'

export interface LayerRef {
  /** sha256 of the uncompressed tar. */
  diffId: string
  /**
   * sha256 of the blob as stored (compressed). Absent for layers the Docker daemon built: it
   * keeps them uncompressed and only compresses them on push.
   */
  digest?: string
  /** Size of the uncompressed layer tar in bytes (headers included; `docker history` shows file bytes). */
  size: number
}

/** Why a step could not come from the cache, in terms a person can act on. */
export type MissReason =
  | { kind: 'first-build' }
  | { kind: 'no-cache' }
  | { kind: 'instruction-changed'; was: string; now: string }
  | { kind: 'files-changed'; changed: string[]; added: string[]; removed: string[] }
  | { kind: 'build-arg-changed'; name: string; was?: string; now?: string }
  | { kind: 'env-changed'; name: string; was?: string; now?: string }
  | { kind: 'parent-rebuilt'; parentStepId: string; parentIndex: number; parentInstruction: string }
  | { kind: 'base-changed'; was: string; now: string }
  | { kind: 'other'; detail: string }

export interface StepFinishedEvent {
  type: 'step-finished'
  buildId: string
  stepId: string
  stage: StageRef
  index: number
  instruction: string
  location: SourceLocation
  status: StepStatus
  /**
   * When the step started (ms since the epoch); absent for steps that did not run. Kept in the
   * build's record so a reopened build can tell which stages ran at the same time.
   */
  startedAt?: number
  /** For `built` steps: why the cache could not be used. */
  reason?: MissReason
  durationMs: number
  /** Steps that change the filesystem have a layer, cached or built. */
  layer?: LayerRef
  error?: ApiErrorPayload
}

/**
 * The layer a step made, sent after its step-finished when the backend learns it only later:
 * the Docker daemon shows which layer a step made only through the finished image, while the
 * steps themselves are reported finished as they finish.
 */
export interface StepLayerEvent {
  type: 'step-layer'
  buildId: string
  stepId: string
  layer: LayerRef
}

export interface BuildWarningEvent {
  type: 'warning'
  buildId: string
  message: string
  location?: SourceLocation
}

export interface BuildFinishedEvent {
  type: 'build-finished'
  buildId: string
  status: 'succeeded' | 'failed' | 'cancelled'
  durationMs: number
  image?: { digest: string; tags: string[] }
  error?: ApiErrorPayload
}

function listFiles(verb: string, paths: string[]): string | undefined {
  if (paths.length === 0) return undefined
  const shown = paths.slice(0, 3).join(', ')
  const more = paths.length > 3 ? ` and ${paths.length - 3} more` : ''
  return `${shown}${more} ${verb}`
}

/** The one-line text of a miss reason, the same in the CLI, the timeline and the gutter. */
export function describeMissReason(reason: MissReason): string {
  switch (reason.kind) {
    case 'first-build':
      return 'first build'
    case 'no-cache':
      return '--no-cache'
    case 'instruction-changed':
      return `instruction changed: ${JSON.stringify(reason.now)} (was ${JSON.stringify(reason.was)})`
    case 'files-changed': {
      const parts = [
        listFiles('changed', reason.changed),
        listFiles('added', reason.added),
        listFiles('removed', reason.removed),
      ].filter((p): p is string => p !== undefined)
      return parts.length > 0 ? parts.join('; ') : 'source files changed'
    }
    case 'build-arg-changed':
      return `build arg ${reason.name}: ${reason.was ?? '(unset)'} → ${reason.now ?? '(unset)'}`
    case 'env-changed':
      return `ENV ${reason.name}: ${reason.was ?? '(unset)'} → ${reason.now ?? '(unset)'}`
    case 'parent-rebuilt':
      return `parent step ${reason.parentIndex} was rebuilt (${reason.parentInstruction})`
    case 'base-changed':
      return `base image changed: ${reason.now} (was ${reason.was})`
    case 'other':
      return reason.detail
  }
}
