// The daemon's progress stream, BuildKit's trace or the legacy builder's lines, turned into step events.
import type { PlannedStep } from '../../shared/build-events'
import { decodeTrace } from './buildkit-trace'
import { legacyStepMap, VertexStepMap, type DockerPlan } from './docker-backend-plan'
import type { StepEvents } from './docker-step-events'
import { LegacyProgressParser, type LegacyMessage } from './legacy-progress'

// A vertex BuildKit cancels because another failed is not a failure of its own.
const CANCELLED_VERTEX = /^(context canceled|canceled)/i

export interface DaemonMessage extends LegacyMessage {
  id?: string
}

export interface ProgressHandler {
  /** Returns the build's error message when the daemon reports one. */
  message(message: DaemonMessage): string | undefined
  end(): void
}

export class BuildKitHandler implements ProgressHandler {
  private readonly vertexSteps: VertexStepMap
  private readonly byDigest = new Map<string, PlannedStep>()

  constructor(
    private readonly steps: StepEvents,
    plan: DockerPlan,
  ) {
    this.vertexSteps = new VertexStepMap(plan)
  }

  message(message: DaemonMessage): string | undefined {
    if (message.id === 'moby.buildkit.trace' && (typeof message.aux === 'string' || message.aux instanceof Uint8Array)) {
      this.trace(message.aux)
      return undefined
    }
    const error = message.errorDetail?.message ?? message.error
    return typeof error === 'string' ? error : undefined
  }

  private trace(aux: string | Uint8Array): void {
    const update = decodeTrace(aux)
    for (const vertex of update.vertexes) {
      let step = this.byDigest.get(vertex.digest)
      if (!step) {
        step = this.vertexSteps.step(vertex.name)
        if (!step) continue
        this.byDigest.set(vertex.digest, step)
      }
      if (this.steps.isFinished(step)) continue
      if (vertex.started !== undefined) this.steps.start(step, vertex.started)
      if (vertex.error !== undefined) {
        if (CANCELLED_VERTEX.test(vertex.error)) continue
        const duration = vertex.completed !== undefined && vertex.started !== undefined ? vertex.completed - vertex.started : 0
        this.steps.finish(step, 'failed', duration, vertex.error)
      } else if (vertex.completed !== undefined) {
        const duration = vertex.started !== undefined ? vertex.completed - vertex.started : 0
        this.steps.finish(step, vertex.cached ? 'cached' : 'built', duration)
      } else if (vertex.cached) {
        this.steps.finish(step, 'cached', 0)
      }
    }
    for (const status of update.statuses) {
      const step = this.byDigest.get(status.vertex)
      if (step && this.steps.startedAt(step) !== undefined) this.steps.progress(step, status.name || status.id, status.current, status.total)
    }
    for (const warning of update.warnings) this.steps.warning(warning.short, this.byDigest.get(warning.vertex))
    for (const log of update.logs) {
      const step = this.byDigest.get(log.vertex)
      if (step) this.steps.log(step, log.stream === 2 ? 'stderr' : 'stdout', log.text, log.timestamp)
    }
  }

  end(): void {}
}

export class LegacyHandler implements ProgressHandler {
  private readonly parser = new LegacyProgressParser()
  private readonly numbers: (number | string)[]
  private readonly cached = new Set<string>()
  private current: PlannedStep | undefined
  /** The container of the RUN step in progress (`Running in …`): a cancelled build leaves it behind. */
  runningContainer: string | undefined

  constructor(
    private readonly steps: StepEvents,
    private readonly plan: DockerPlan,
  ) {
    this.numbers = legacyStepMap(plan)
  }

  private stepOf(number: number): PlannedStep | undefined {
    const id = this.numbers[number - 1]
    if (typeof id !== 'string') return undefined
    for (const stage of this.plan.stages) for (const step of stage.steps) if (step.id === id) return step
    return undefined
  }

  private close(step: PlannedStep | undefined): void {
    if (!step || this.steps.isFinished(step)) return
    const started = this.steps.startedAt(step) ?? Date.now()
    this.steps.finish(step, this.cached.has(step.id) ? 'cached' : 'built', Date.now() - started)
  }

  message(message: DaemonMessage): string | undefined {
    let failure: string | undefined
    for (const event of this.parser.push(message)) {
      switch (event.type) {
        case 'step': {
          this.close(this.current)
          this.current = this.stepOf(event.number)
          if (this.current) this.steps.start(this.current, Date.now())
          break
        }
        case 'cached':
          if (this.current) this.cached.add(this.current.id)
          break
        case 'running':
          this.runningContainer = event.container
          break
        case 'log':
          if (this.current) this.steps.log(this.current, event.stream, event.text)
          break
        case 'step-done':
          this.runningContainer = undefined
          this.close(this.current)
          break
        case 'error':
          if (this.current && !this.steps.isFinished(this.current)) {
            const started = this.steps.startedAt(this.current) ?? Date.now()
            this.steps.finish(this.current, 'failed', Date.now() - started, event.message)
          }
          failure ??= event.message
          break
        default:
          break
      }
    }
    return failure
  }

  end(): void {
    for (const event of this.parser.end()) if (event.type === 'log' && this.current) this.steps.log(this.current, event.stream, event.text)
  }
}

/** The daemon's newline-delimited JSON messages. */
export async function* jsonMessages(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<DaemonMessage> {
  let partial = ''
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    if (signal?.aborted) throw signal.reason
    const lines = (partial + chunk.toString()).split(/\r?\n/)
    partial = lines.pop() ?? ''
    for (const line of lines) {
      const parsed = parseLine(line)
      if (parsed) yield parsed
    }
  }
  const parsed = parseLine(partial)
  if (parsed) yield parsed
}

function parseLine(line: string): DaemonMessage | undefined {
  if (line.trim() === '') return undefined
  try {
    const value = JSON.parse(line) as unknown
    return typeof value === 'object' && value !== null ? (value as DaemonMessage) : undefined
  } catch {
    return { stream: `${line}\n` }
  }
}

