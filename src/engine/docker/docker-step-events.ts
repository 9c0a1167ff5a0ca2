// Build events for a daemon build, in the contract's order whatever order the daemon reports in.
import type { BuildEvent, LayerRef, PlannedStep, StepFinishedEvent, StepStatus } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { MissExplainer } from './docker-backend-inputs'
import type { DockerPlan } from './docker-backend-plan'

const LOG_TAIL_LINES = 10

/** Step events in the contract's order, whatever order the daemon reports in. */
export class StepEvents {
  plan: DockerPlan | undefined
  explainer: MissExplainer | undefined
  failure: ApiErrorPayload | undefined
  private readonly started = new Map<string, number>()
  private readonly finished = new Map<string, StepFinishedEvent>()
  private readonly tails = new Map<string, string[]>()
  constructor(
    readonly buildId: string,
    private readonly emit: (event: BuildEvent) => void,
  ) {}

  private stepsOfStage(step: PlannedStep): PlannedStep[] {
    return this.plan?.stages.find((s) => s.stage.index === step.stage.index)?.steps ?? []
  }

  /**
   * A stage runs in order, so steps before this one are done: those without a vertex of their
   * own (metadata, FROM scratch) only changed the config, and a keyed one that never started
   * shared its vertex with an identical step BuildKit ran once (two stages `FROM busybox`).
   */
  private reach(step: PlannedStep, time: number): void {
    if (!this.plan) return
    for (const earlier of this.stepsOfStage(step)) {
      if (earlier.index >= step.index) break
      if (!this.finished.has(earlier.id) && !this.started.has(earlier.id)) this.configOnly(earlier, time)
    }
  }

  private configOnly(step: PlannedStep, time = Date.now()): void {
    this.start(step, time, false)
    this.finish(step, 'cached', 0)
  }

  start(step: PlannedStep, time: number, reach = true): void {
    if (this.started.has(step.id)) return
    if (reach) this.reach(step, time)
    this.started.set(step.id, time)
    this.emit({ type: 'step-started', buildId: this.buildId, stepId: step.id, time })
  }

  log(step: PlannedStep, stream: 'stdout' | 'stderr', text: string, time = Date.now()): void {
    if (text === '') return
    this.start(step, time)
    const tail = this.tails.get(step.id) ?? []
    tail.push(...text.split('\n').filter((l) => l !== ''))
    tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES))
    this.tails.set(step.id, tail)
    this.emit({ type: 'step-log', buildId: this.buildId, stepId: step.id, stream, text, time })
  }

  progress(step: PlannedStep, label: string, current: number, total?: number): void {
    if (this.finished.has(step.id)) return
    this.emit({ type: 'step-progress', buildId: this.buildId, stepId: step.id, label, current, ...(total !== undefined ? { total } : {}) })
  }

  warning(message: string, step?: PlannedStep): void {
    this.emit({ type: 'warning', buildId: this.buildId, message, ...(step ? { location: step.location } : {}) })
  }

  isFinished(step: PlannedStep): boolean {
    return this.finished.has(step.id)
  }

  startedAt(step: PlannedStep): number | undefined {
    return this.started.get(step.id)
  }

  /** `status` as the daemon says; FROM and metadata steps are `cached` as in the embedded engine. */
  finish(step: PlannedStep, status: StepStatus, durationMs: number, errorMessage?: string): void {
    if (this.finished.has(step.id)) return
    if (status !== 'not-run') this.start(step, Date.now())
    let final = status
    if (status === 'built' && (step.kind === 'metadata' || step.kind === 'from')) final = 'cached'
    const reason = final === 'built' ? this.explainer?.built(step) : undefined
    let error: ApiErrorPayload | undefined
    if (final === 'failed') {
      const tail = this.tails.get(step.id) ?? []
      const message = errorMessage ?? 'the step failed'
      const shown = tail.length > 0 && !message.includes('\n') ? `${message}\n${tail.join('\n')}` : message
      error = { code: 'build-failed', message: `line ${step.location.start.line}: ${shown}`, location: step.location, stepId: step.id }
      this.failure ??= error
    }
    const startedAt = this.started.get(step.id)
    const event: StepFinishedEvent = {
      type: 'step-finished',
      buildId: this.buildId,
      stepId: step.id,
      stage: step.stage,
      index: step.index,
      instruction: step.instruction,
      location: step.location,
      status: final,
      ...(startedAt !== undefined && final !== 'not-run' ? { startedAt } : {}),
      ...(reason ? { reason } : {}),
      durationMs: Math.max(0, Math.round(durationMs)),
      ...(error ? { error } : {}),
    }
    this.finished.set(step.id, event)
    this.emit(event)
  }

  /**
   * The daemon says which layer a step made only through the finished image, so each step's
   * layer follows its step-finished as a step-layer event (and joins it in the build's record).
   */
  attachLayers(layers: ReadonlyMap<string, LayerRef>): void {
    for (const [stepId, layer] of layers) {
      const finished = this.finished.get(stepId)
      if (!finished || (finished.status !== 'cached' && finished.status !== 'built')) continue
      this.finished.set(stepId, { ...finished, layer })
      this.emit({ type: 'step-layer', buildId: this.buildId, stepId, layer })
    }
  }

  /** Every step-finished event so far, in order (for the build's record). */
  allFinished(): StepFinishedEvent[] {
    return [...this.finished.values()]
  }

  /**
   * The build succeeded, so every planned step's result is in the image: steps without a vertex
   * are config changes, and a keyed step not reported had its vertex deduplicated with another.
   */
  succeed(): void {
    for (const stage of this.plan?.stages ?? []) for (const step of stage.steps) if (!this.finished.has(step.id)) this.configOnly(step)
  }

  /** Whatever did not finish did not run. */
  notRun(): void {
    for (const stage of this.plan?.stages ?? []) for (const step of stage.steps) this.finish(step, 'not-run', 0)
  }

  /** Steps whose result the daemon has (their inputs are worth remembering). */
  finishedKept(): string[] {
    return [...this.finished.values()].filter((e) => e.status === 'cached' || e.status === 'built').map((e) => e.stepId)
  }
}

