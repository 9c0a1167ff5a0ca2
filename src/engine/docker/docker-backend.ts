import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type Docker from 'dockerode'
import type { BuildEvent, PlannedStep, StepFinishedEvent, StepStatus } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { Backend, BuildOutcome, BuildRequest } from '../build/backend'
import { openBuildContext, type BuildContext } from '../context'
import { DockerfileParseError } from '../dockerfile'
import { newBuildId, type Store } from '../store'
import { contextTar } from './build-context-tar'
import { decodeTrace } from './buildkit-trace'
import { dockerConnectionFromEnv, type DockerConnection } from './connection'
import { dockerClient } from './daemon-status'
import { computeStepRecords, MissExplainer, type DaemonImageInfo, type KeyedStepRecord } from './docker-backend-inputs'
import { legacyStepMap, planDockerBuild, stageDockerfile, VertexStepMap, type DockerPlan } from './docker-backend-plan'
import { LegacyProgressParser, type LegacyMessage } from './legacy-progress'

export interface DockerBackendOptions {
  /** Which daemon; default: from the environment (DOCKER_HOST, else the default socket). */
  connection?: DockerConnection
  /** 'buildkit' (API version 2, default) or 'legacy' (the classic builder, version 1). */
  builder?: 'buildkit' | 'legacy'
  /**
   * The network RUN steps get (`--network`). A daemon started with `--bridge=none` (the test
   * daemon) needs 'none' for BuildKit RUN steps.
   */
  network?: string
  /** Where Layerlab keeps its record of previous builds, to say why a step missed. */
  store?: Store
  /** For tests: a ready client. */
  client?: Docker
}

const LOG_TAIL_LINES = 10
const CANCELLED_VERTEX = /^(context canceled|canceled)/i

/**
 * Builds through the Docker daemon's /build endpoint and reports it as the same build events
 * as the embedded engine: the plan is Layerlab's own (from the Dockerfile), and what the daemon
 * prints (BuildKit's trace or the legacy builder's text) is mapped back onto its steps.
 */
export class DockerBackend implements Backend {
  readonly kind = 'docker'

  constructor(private readonly options: DockerBackendOptions = {}) {}

  async build(request: BuildRequest, emit: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildOutcome> {
    const buildId = newBuildId()
    const startedAt = Date.now()
    const contextDir = path.resolve(request.contextDir)
    const dockerfilePath = path.resolve(contextDir, request.dockerfile ?? 'Dockerfile')
    const legacy = this.options.builder === 'legacy'
    const tags = request.tags ?? []
    emit({
      type: 'build-started',
      buildId,
      backend: 'docker',
      contextDir,
      dockerfile: dockerfilePath,
      ...(request.target ? { target: request.target } : {}),
      time: startedAt,
    })

    const steps = new StepEvents(buildId, emit)
    let plan: DockerPlan | undefined
    let explainer: MissExplainer | undefined
    let imageId: string | undefined
    let error: ApiErrorPayload | undefined
    let status: BuildOutcome['status'] = 'succeeded'
    let context: BuildContext | undefined
    try {
      const docker = this.options.client ?? (await dockerClient(this.options.connection ?? dockerConnectionFromEnv()))
      const text = await readDockerfile(dockerfilePath)
      const { staged, baseImages } = stageDockerfile(text, {
        ...(request.buildArgs ? { buildArgs: request.buildArgs } : {}),
        ...(request.target ? { target: request.target } : {}),
      })
      const images = await inspectImages(docker, baseImages)
      plan = planDockerBuild(staged, images, { ...(request.target ? { target: request.target } : {}), legacy })
      steps.plan = plan
      emit({ type: 'plan', buildId, stages: plan.stages })
      for (const warning of plan.warnings) emit({ type: 'warning', buildId, message: `line ${warning.line}: ${warning.message}` })

      context = await openBuildContext({ contextDir, dockerfilePath })
      const records: Map<string, KeyedStepRecord> = this.options.store
        ? await computeStepRecords({ expanded: plan.expanded, stages: plan.stages, context, dockerfilePath, images, store: this.options.store })
        : new Map()
      explainer = new MissExplainer(records, request.noCache ?? false)
      steps.explainer = explainer

      const tar = contextTar(context, { dockerfilePath, ...(signal ? { signal } : {}) })
      const buildOptions = {
        dockerfile: tar.dockerfile,
        // Several `t` parameters, one per tag (the typings allow only one).
        t: tags,
        version: legacy ? ('1' as const) : ('2' as const),
        ...(request.buildArgs ? { buildargs: request.buildArgs } : {}),
        ...(request.target ? { target: request.target } : {}),
        ...(request.noCache ? { nocache: true } : {}),
        ...(this.options.network ? { networkmode: this.options.network } : {}),
        rm: true,
        ...(signal ? { abortSignal: signal } : {}),
      }
      const response = (await docker.buildImage(tar.stream, buildOptions as unknown as Docker.ImageBuildOptions)) as unknown as NodeJS.ReadableStream
      const handler = legacy ? new LegacyHandler(steps, plan) : new BuildKitHandler(steps, plan)
      let failure: string | undefined
      for await (const message of jsonMessages(response, signal)) {
        const aux = message.aux as { ID?: unknown } | undefined
        if (message.id !== 'moby.buildkit.trace' && aux && typeof aux === 'object' && typeof aux.ID === 'string') imageId = aux.ID
        const failed = handler.message(message)
        if (failed !== undefined) failure ??= failed
      }
      handler.end()
      await tar.done.catch(() => undefined)
      if (failure !== undefined) throw new DaemonBuildError(failure)
      if (signal?.aborted) throw signal.reason
      steps.succeed()
    } catch (caught) {
      const cancelled = signal?.aborted === true
      status = cancelled ? 'cancelled' : 'failed'
      error = cancelled ? { code: 'cancelled', message: 'the build was cancelled' } : (steps.failure ?? failurePayload(caught))
    } finally {
      await context?.close().catch(() => undefined)
    }

    steps.notRun()
    if (this.options.store && explainer) {
      await explainer.save(this.options.store, steps.finishedKept()).catch(() => undefined)
    }
    const image = status === 'succeeded' && imageId ? { digest: imageId, tags } : undefined
    emit({
      type: 'build-finished',
      buildId,
      status,
      durationMs: Date.now() - startedAt,
      ...(image ? { image } : {}),
      ...(error ? { error } : {}),
    })
    return { buildId, status, ...(image ? { image } : {}) }
  }
}

class DaemonBuildError extends Error {}

/** Step events in the contract's order, whatever order the daemon reports in. */
class StepEvents {
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
    const event: StepFinishedEvent = {
      type: 'step-finished',
      buildId: this.buildId,
      stepId: step.id,
      stage: step.stage,
      index: step.index,
      instruction: step.instruction,
      location: step.location,
      status: final,
      ...(reason ? { reason } : {}),
      durationMs: Math.max(0, Math.round(durationMs)),
      ...(error ? { error } : {}),
    }
    this.finished.set(step.id, event)
    this.emit(event)
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

interface DaemonMessage extends LegacyMessage {
  id?: string
}

interface ProgressHandler {
  /** Returns the build's error message when the daemon reports one. */
  message(message: DaemonMessage): string | undefined
  end(): void
}

class BuildKitHandler implements ProgressHandler {
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

class LegacyHandler implements ProgressHandler {
  private readonly parser = new LegacyProgressParser()
  private readonly numbers: (number | string)[]
  private readonly cached = new Set<string>()
  private current: PlannedStep | undefined

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
        case 'log':
          if (this.current) this.steps.log(this.current, event.stream, event.text)
          break
        case 'step-done':
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
async function* jsonMessages(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<DaemonMessage> {
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

/** What the daemon knows about the base images (env and triggers expand the Dockerfile; the id keys FROM). */
async function inspectImages(docker: Docker, refs: string[]): Promise<Map<string, DaemonImageInfo>> {
  const out = new Map<string, DaemonImageInfo>()
  for (const ref of refs) {
    try {
      const info = await docker.getImage(ref).inspect()
      const config = info.Config as { Env?: string[]; OnBuild?: string[] | null; WorkingDir?: string; User?: string; Shell?: string[] } | undefined
      out.set(ref, {
        id: info.Id,
        ...(config?.Env ? { env: config.Env } : {}),
        ...(config?.OnBuild ? { onBuild: config.OnBuild } : {}),
        ...(config?.WorkingDir ? { workingDir: config.WorkingDir } : {}),
        ...(config?.User ? { user: config.User } : {}),
        ...(config?.Shell ? { shell: config.Shell } : {}),
      })
    } catch {
      // Not there yet: the daemon pulls it during the build.
    }
  }
  return out
}

async function readDockerfile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(code === 'ENOENT' ? `no Dockerfile at ${file}` : `cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
}

function failurePayload(error: unknown): ApiErrorPayload {
  if (error instanceof DockerfileParseError) return { code: 'parse-error', message: error.message, location: error.location }
  const located = error as { range?: ApiErrorPayload['location'] } | undefined
  const message = error instanceof Error ? error.message : String(error)
  if (located && typeof located === 'object' && located.range && 'start' in located.range) {
    return { code: 'build-failed', message, location: located.range }
  }
  return { code: 'build-failed', message }
}
