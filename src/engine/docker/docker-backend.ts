import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type Docker from 'dockerode'
import type { BuildEvent } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { Backend, BuildOutcome, BuildRequest } from '../build/backend'
import { openBuildContext, type BuildContext } from '../context'
import { DockerfileParseError } from '../dockerfile'
import { newBuildId, type Store } from '../store'
import { contextTar } from './build-context-tar'
import { dockerConnectionFromEnv, type DockerConnection } from './connection'
import { dockerClient } from './daemon-status'
import { computeStepRecords, MissExplainer, type DaemonImageInfo, type KeyedStepRecord } from './docker-backend-inputs'
import { planDockerBuild, stageDockerfile, type DockerPlan } from './docker-backend-plan'
import { BuildKitHandler, jsonMessages, LegacyHandler } from './docker-progress'
import { StepEvents } from './docker-step-events'

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
