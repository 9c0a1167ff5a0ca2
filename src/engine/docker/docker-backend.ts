import path from 'node:path'
import type Docker from 'dockerode'
import type { BuildEvent, LayerRef } from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { Backend, BuildOutcome, BuildRequest } from '../build/backend'
import { contextStatCachePath } from '../build/context-stat-cache'
import { readDockerfile } from '../build/embedded-backend'
import { openBuildContext, type BuildContext } from '../context'
import { DockerfileParseError } from '../dockerfile'
import { newBuildId, writeBuild, type Store } from '../store'
import { contextTar } from './build-context-tar'
import type { DockerConnection } from './connection'
import { connectDaemon, defaultRunNetwork } from './daemon-client'
import { dockerClient } from './daemon-status'
import { builtLayers } from './docker-built-layers'
import { computeStepRecords, MissExplainer, type DaemonImageInfo, type KeyedStepRecord } from './docker-backend-inputs'
import { planDockerBuild, stageDockerfile, type DockerPlan } from './docker-backend-plan'
import { BuildKitHandler, jsonMessages, LegacyHandler } from './docker-progress'
import { StepEvents } from './docker-step-events'

export interface DockerBackendOptions {
  /** Which daemon; default: the one discovery finds (DOCKER_HOST, the current context, the usual sockets). */
  connection?: DockerConnection
  /** The environment discovery reads; default process.env. */
  env?: NodeJS.ProcessEnv
  /** 'buildkit' (API version 2, default) or 'legacy' (the classic builder, version 1). */
  builder?: 'buildkit' | 'legacy'
  /**
   * The network RUN steps get (`--network`). Default: the daemon's, or 'none' when it has no
   * `bridge` network (started with `--bridge=none`, like the test daemon), where RUN would fail.
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
 *
 * Which layer a step made is only known from the finished image (its history lined up with the
 * steps, sizes from a streamed `docker save`), so each step's layer follows its step-finished
 * event as a step-layer event when the build ends.
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
    let layers: Map<string, LayerRef> | undefined
    let handler: LegacyHandler | BuildKitHandler | undefined
    let docker: Docker | undefined
    let tar: ReturnType<typeof contextTar> | undefined
    try {
      docker = await this.client()
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

      const store = this.options.store
      context = await openBuildContext({ contextDir, dockerfilePath, ...(store ? { statCachePath: contextStatCachePath(store, contextDir) } : {}) })
      const records: Map<string, KeyedStepRecord> = this.options.store
        ? await computeStepRecords({ expanded: plan.expanded, stages: plan.stages, context, dockerfilePath, images, store: this.options.store })
        : new Map()
      explainer = new MissExplainer(records, request.noCache ?? false)
      steps.explainer = explainer

      const network = this.options.network ?? (await defaultRunNetwork(docker))
      tar = contextTar(context, { dockerfilePath, ...(signal ? { signal } : {}) })
      const buildOptions = {
        dockerfile: tar.dockerfile,
        // Several `t` parameters, one per tag (the typings allow only one).
        t: tags,
        version: legacy ? ('1' as const) : ('2' as const),
        ...(request.buildArgs ? { buildargs: request.buildArgs } : {}),
        ...(request.target ? { target: request.target } : {}),
        ...(request.noCache ? { nocache: true } : {}),
        ...(network ? { networkmode: network } : {}),
        rm: true,
        // The legacy builder otherwise keeps a failed RUN step's container.
        forcerm: true,
        ...(signal ? { abortSignal: signal } : {}),
      }
      const response = (await docker.buildImage(tar.stream, buildOptions as unknown as Docker.ImageBuildOptions)) as unknown as NodeJS.ReadableStream
      handler = legacy ? new LegacyHandler(steps, plan) : new BuildKitHandler(steps, plan)
      let failure: string | undefined
      for await (const message of jsonMessages(response, signal)) {
        const aux = message.aux as { ID?: unknown } | undefined
        if (message.id !== 'moby.buildkit.trace' && aux && typeof aux === 'object' && typeof aux.ID === 'string') imageId = aux.ID
        const failed = handler.message(message)
        if (failed !== undefined) failure ??= failed
      }
      handler.end()
      // The daemon has answered: what it did not read of the context is not wanted (waiting for
      // the rest to be read would wait forever).
      tar.stream.destroy()
      await tar.done.catch(() => undefined)
      if (failure !== undefined) throw new DaemonBuildError(failure)
      if (signal?.aborted) throw signal.reason
      steps.succeed()
      if (imageId) layers = await this.layersOf(docker, imageId, plan, steps, signal)
    } catch (caught) {
      const cancelled = signal?.aborted === true
      status = cancelled ? 'cancelled' : 'failed'
      error = cancelled ? { code: 'cancelled', message: 'the build was cancelled' } : (steps.failure ?? failurePayload(caught))
      // The legacy builder leaves the RUN container of a cancelled request behind.
      const container = handler instanceof LegacyHandler ? handler.runningContainer : undefined
      if (cancelled && docker && container) await removeContainer(docker, container)
    } finally {
      // A request the daemon refused or dropped leaves the tar half read, with a context file open.
      tar?.stream.destroy()
      await context?.close().catch(() => undefined)
    }

    if (layers) steps.attachLayers(layers)
    steps.notRun()
    if (this.options.store && explainer) {
      await explainer.save(this.options.store, steps.finishedKept()).catch(() => undefined)
    }
    const image = status === 'succeeded' && imageId ? { digest: imageId, tags } : undefined
    const durationMs = Date.now() - startedAt
    if (this.options.store) {
      await writeBuild(this.options.store, {
        id: buildId,
        project: contextDir,
        dockerfile: dockerfilePath,
        backend: 'docker',
        startedAt: new Date(startedAt).toISOString(),
        finishedAt: new Date().toISOString(),
        status,
        plan: plan?.stages ?? null,
        eventsSummary: steps.allFinished(),
        timings: { totalMs: durationMs },
        ...(image ? { result: { daemonImageId: image.digest, tags } } : {}),
      })
    }
    emit({ type: 'build-finished', buildId, status, durationMs, ...(image ? { image } : {}), ...(error ? { error } : {}) })
    return { buildId, status, ...(image ? { image } : {}) }
  }

  private async client(): Promise<Docker> {
    if (this.options.client) return this.options.client
    if (this.options.connection) return dockerClient(this.options.connection, undefined, this.options.env)
    return (await connectDaemon(this.options.env)).client
  }

  /** The built image's layers per step; a failure to read them is a warning, not a failed build. */
  private async layersOf(docker: Docker, imageId: string, plan: DockerPlan, steps: StepEvents, signal?: AbortSignal): Promise<Map<string, LayerRef> | undefined> {
    try {
      return await builtLayers(docker, imageId, plan, signal)
    } catch (error) {
      if (signal?.aborted) throw error
      steps.warning(`the layers of ${imageId} could not be read from the daemon, so the steps show no layer: ${(error as Error).message}`)
      return undefined
    }
  }
}

async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true })
  } catch {
    // Already gone (the daemon finished removing it itself), or the daemon stopped answering.
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

function failurePayload(error: unknown): ApiErrorPayload {
  if (error instanceof DockerfileParseError) return { code: 'parse-error', message: error.message, location: error.location }
  const located = error as { range?: ApiErrorPayload['location'] } | undefined
  const message = error instanceof Error ? error.message : String(error)
  if (located && typeof located === 'object' && located.range && 'start' in located.range) {
    return { code: 'build-failed', message, location: located.range }
  }
  return { code: 'build-failed', message }
}
