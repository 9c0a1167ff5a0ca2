import type { BuildEvent, BuildFinishedEvent } from '../shared/build-events'
import type { ApiHandlers } from '../shared/contract'
import { ApiError, toErrorPayload } from '../shared/errors'
import type { StartBuildArgs } from '../shared/project-api'
import { projectKey, resolveProjectDir, resolveProjectFile } from './api-paths'
import { toBuildView, toBuildSummary } from './api-records'
import type { Backend } from './build/backend'
import { EmbeddedBackend } from './build/embedded-backend'
import type { DockerConnection } from './docker/connection'
import { describeUnavailable } from './docker/daemon-client'
import { discoverDaemon } from './docker/discovery'
import { DockerBackend } from './docker/docker-backend'
import { StoreError, listBuilds, parseTagReference, readBuild, type Store } from './store'

type BuildHandlers = Pick<ApiHandlers, 'startBuild' | 'cancelBuild' | 'listBuilds' | 'readBuild'>

export interface BuildRunnerOptions {
  store: () => Promise<Store>
  emit: (event: BuildEvent) => void
  /** The embedded engine unless a test says otherwise. */
  backend?: (store: Store) => Backend
  /** What Docker discovery reads (DOCKER_HOST, contexts); default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface BuildRunner {
  handlers: BuildHandlers
  /** Resolves when no build is running (tests, shutdown). */
  idle(): Promise<void>
  /** Cancels every running build. */
  close(): void
}

interface Running {
  buildId?: string
  controller: AbortController
  done?: Promise<void>
}

/**
 * Runs builds for the UI: at most one per project at a time, each in the background with its
 * events pushed as they happen. A build's `build-finished` is held back until the backend has
 * written its record, so a UI that refreshes its history on that event sees the build listed.
 */
export function createBuildRunner(options: BuildRunnerOptions): BuildRunner {
  const running = new Map<string, Running>()
  const makeBackend = options.backend ?? ((store: Store) => new EmbeddedBackend({ store }))
  const env = options.env ?? process.env

  /** The daemon the status shows; a build asked of Docker when none answers fails here, before it starts. */
  async function dockerConnection(): Promise<DockerConnection> {
    const { status, connection } = await discoverDaemon(env)
    if (connection && status.available) return connection
    const why = status.available ? 'no connection' : describeUnavailable(status)
    throw new ApiError({ code: 'docker-unavailable', message: `cannot build with Docker: ${why}` })
  }

  async function startBuild(args: StartBuildArgs): Promise<{ buildId: string }> {
    const dir = await resolveProjectDir(args.dir)
    const dockerfile = await resolveProjectFile(dir, args.dockerfile ?? 'Dockerfile')
    for (const tag of args.tags ?? []) {
      try {
        parseTagReference(tag)
      } catch (error) {
        throw new ApiError({ code: 'bad-request', message: (error as Error).message })
      }
    }
    const store = await options.store()
    const connection = args.backend === 'docker' ? await dockerConnection() : undefined
    const busy = running.get(dir)
    if (busy) {
      throw new ApiError({
        code: 'bad-request',
        message: `build-running: a build of ${dir} is already running${busy.buildId ? ` (${busy.buildId})` : ''}; wait for it or cancel it`,
      })
    }
    const entry: Running = { controller: new AbortController() }
    running.set(dir, entry)

    let started!: (id: string) => void
    let failedToStart!: (error: unknown) => void
    const startedId = new Promise<string>((resolve, reject) => {
      started = resolve
      failedToStart = reject
    })
    let finished: BuildFinishedEvent | undefined
    const forward = (event: BuildEvent): void => {
      if (event.type === 'build-started') {
        entry.buildId = event.buildId
        started(event.buildId)
      }
      if (event.type === 'build-finished') finished = event
      else options.emit(event)
    }
    const request = {
      contextDir: dir,
      dockerfile: dockerfile.absolute,
      ...(args.buildArgs ? { buildArgs: Object.fromEntries(Object.entries(args.buildArgs)) } : {}),
      ...(args.target ? { target: args.target } : {}),
      ...(args.noCache ? { noCache: true } : {}),
      ...(args.tags ? { tags: [...args.tags] } : {}),
    }

    let failure: unknown
    entry.done = Promise.resolve()
      .then(() => (connection ? new DockerBackend({ store, connection, env }) : makeBackend(store)).build(request, forward, entry.controller.signal))
      .then(
        () => undefined,
        (error: unknown) => {
          failure = error
        },
      )
      .finally(() => {
        running.delete(dir)
        if (finished) options.emit(finished)
        else if (entry.buildId) {
          // The backend threw after starting (its record could not be written, say): still end the stream.
          options.emit({ type: 'build-finished', buildId: entry.buildId, status: 'failed', durationMs: 0, error: toErrorPayload(failure) })
        } else failedToStart(failure ?? new Error('the build did not start'))
      })
    return { buildId: await startedId }
  }

  const handlers: BuildHandlers = {
    startBuild,
    async cancelBuild({ buildId }) {
      for (const entry of running.values()) {
        if (entry.buildId === buildId) {
          entry.controller.abort(new Error('cancelled'))
          return { cancelled: true }
        }
      }
      return { cancelled: false }
    },
    async listBuilds({ dir, limit }) {
      const project = await projectKey(dir)
      const records = await listBuilds(await options.store(), { project, limit: limit ?? 50 })
      return records.map(toBuildSummary)
    },
    async readBuild({ id }) {
      try {
        return toBuildView(await readBuild(await options.store(), id))
      } catch (error) {
        if (error instanceof StoreError && error.code === 'not-found') {
          throw new ApiError({ code: 'not-found', message: `build ${id} is not in the store (it may have been pruned)` })
        }
        throw error
      }
    },
  }

  return {
    handlers,
    async idle() {
      await Promise.all([...running.values()].map((r) => r.done))
    },
    close() {
      for (const entry of running.values()) entry.controller.abort(new Error('the engine is shutting down'))
    },
  }
}
