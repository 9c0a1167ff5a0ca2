import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { BuildEvent, PlannedStep, StepFinishedEvent } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import { openBuildContext } from '../context'
import { DockerfileParseError } from '../dockerfile'
import { executorFor, type Executor } from '../exec'
import { newBuildId, putImage, writeBuild, type Store } from '../store'
import type { Backend, BuildOutcome, BuildRequest } from './backend'
import { baseImageFetcher } from './base-image-fetch'
import type { StageResult, StepReporter } from './build-state'
import { finalizeConfig, imageConfigJson } from './image-config'
import { contextStatCachePath } from './context-stat-cache'
import { planBuild, type BuildPlan } from './plan'
import { runStage, StepFailure } from './stage-runner'

export interface EmbeddedBackendOptions {
  store: Store
  executor?: Executor
}

/**
 * Layerlab's own engine: plan, run each stage's steps through the cache, write the image into
 * the store, and say every transition as a build event.
 */
export class EmbeddedBackend implements Backend {
  readonly kind = 'embedded'

  constructor(private readonly options: EmbeddedBackendOptions) {}

  async build(request: BuildRequest, emit: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildOutcome> {
    const { store } = this.options
    const buildId = newBuildId()
    const startedAt = new Date()
    const contextDir = path.resolve(request.contextDir)
    const dockerfilePath = path.resolve(contextDir, request.dockerfile ?? 'Dockerfile')
    const time = (): number => Date.now()
    emit({
      type: 'build-started',
      buildId,
      backend: 'embedded',
      contextDir,
      dockerfile: dockerfilePath,
      ...(request.target ? { target: request.target } : {}),
      time: startedAt.getTime(),
    })

    const finished = new Map<string, StepFinishedEvent>()
    const stepStarts = new Map<string, number>()
    const reporter: StepReporter = {
      started: (step) => {
        const at = time()
        stepStarts.set(step.id, at)
        emit({ type: 'step-started', buildId, stepId: step.id, time: at })
      },
      log: (step, stream, text) => emit({ type: 'step-log', buildId, stepId: step.id, stream, text, time: time() }),
      finished: (step, outcome, durationMs) => {
        const startedAt = outcome.status === 'not-run' ? undefined : stepStarts.get(step.id)
        const event: StepFinishedEvent = {
          type: 'step-finished',
          buildId,
          ...stepFields(step),
          ...outcome,
          durationMs,
          ...(startedAt === undefined ? {} : { startedAt }),
        }
        finished.set(step.id, event)
        emit(event)
      },
    }

    let plan: BuildPlan | undefined
    let outcome: BuildOutcome
    let error: ApiErrorPayload | undefined
    try {
      const executor = this.options.executor ?? executorFor(store)
      const text = await readDockerfile(dockerfilePath)
      plan = await planBuild({
        dockerfileText: text,
        store,
        executor,
        pull: baseImageFetcher({ store, buildId, emit, ...(signal ? { signal } : {}) }),
        ...(request.buildArgs ? { buildArgs: request.buildArgs } : {}),
        ...(request.target ? { target: request.target } : {}),
      })
      emit({ type: 'plan', buildId, stages: plan.stages })
      for (const warning of plan.warnings) emit({ type: 'warning', buildId, message: `line ${warning.line}: ${warning.message}` })

      const context = await openBuildContext({
        contextDir,
        dockerfilePath,
        statCachePath: contextStatCachePath(store, contextDir),
      })
      const results = new Map<number, StageResult>()
      try {
        for (const [i, stage] of plan.expanded.stages.entries()) {
          const planned = plan.stages[i]
          if (!planned) throw new Error(`stage ${stage.stage.label} was not planned`)
          const result = await runStage(
            { store, plan, dockerfilePath, context, noCache: request.noCache ?? false, results, reporter, executor, ...(signal ? { signal } : {}) },
            stage,
            planned,
          )
          results.set(stage.stage.index, result)
        }
        await context.saveStatCache()
      } finally {
        await context.close()
      }

      const target = results.get(plan.expanded.target.index)
      if (!target) throw new Error('the target stage was not built')
      const image = await writeImage(store, target, request.tags ?? [])
      outcome = { buildId, status: 'succeeded', image }
    } catch (caught) {
      const cancelled = signal?.aborted === true
      outcome = { buildId, status: cancelled ? 'cancelled' : 'failed' }
      error = failurePayload(caught, cancelled)
      if (caught instanceof StepFailure) {
        reporter.finished(caught.step, { status: 'failed', error: { ...error, stepId: caught.step.id } }, 0)
      }
    }

    // Whatever did not finish did not run: never report it as cached.
    for (const stage of plan?.stages ?? []) {
      for (const step of stage.steps) if (!finished.has(step.id)) reporter.finished(step, { status: 'not-run' }, 0)
    }
    const durationMs = Date.now() - startedAt.getTime()
    emit({
      type: 'build-finished',
      buildId,
      status: outcome.status,
      durationMs,
      ...(outcome.image ? { image: outcome.image } : {}),
      ...(error ? { error } : {}),
    })
    await writeBuild(store, {
      id: buildId,
      project: contextDir,
      dockerfile: dockerfilePath,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      status: outcome.status,
      plan: plan?.stages ?? null,
      eventsSummary: [...finished.values()],
      timings: { totalMs: durationMs },
      ...(outcome.image ? { result: { imageDigest: outcome.image.digest, tags: outcome.image.tags } } : {}),
    })
    return outcome
  }
}

function stepFields(step: PlannedStep) {
  return { stepId: step.id, stage: step.stage, index: step.index, instruction: step.instruction, location: step.location }
}

export async function readDockerfile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(code === 'ENOENT' ? `no Dockerfile at ${file}` : `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

function failurePayload(error: unknown, cancelled: boolean): ApiErrorPayload {
  if (cancelled) return { code: 'cancelled', message: 'the build was cancelled' }
  const cause = error instanceof StepFailure ? error.error : error
  if (cause instanceof DockerfileParseError) {
    return { code: 'parse-error', message: cause.message, location: cause.location }
  }
  const message = cause instanceof Error ? cause.message : String(cause)
  if (error instanceof StepFailure) {
    return { code: 'build-failed', message: `line ${error.step.location.start.line}: ${message}`, location: error.step.location }
  }
  return { code: 'build-failed', message }
}

async function writeImage(store: Store, target: StageResult, tags: string[]): Promise<{ digest: string; tags: string[] }> {
  const config = finalizeConfig(target.config, {
    layers: target.addedLayers.map((l) => l.diffId),
    created: new Date().toISOString(),
  })
  const written = await putImage(store, {
    config: imageConfigJson(config),
    layers: target.layers.map((l) => ({ digest: l.digest, size: l.blobSize, mediaType: l.mediaType })),
    tags,
  })
  return { digest: written.manifest.digest, tags: written.tags }
}
