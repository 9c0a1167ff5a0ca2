import type { BuildEvent } from '../../shared/build-events'
import { formatSize } from '../../shared/format'
import type { PullProgress } from '../registry'
import type { Store } from '../store'

export interface BaseImageFetchOptions {
  store: Store
  buildId: string
  emit: (event: BuildEvent) => void
  signal?: AbortSignal
  /** Where the Docker daemon is looked for (DOCKER_HOST); default process.env. */
  env?: NodeJS.ProcessEnv
  /** Least time between two progress events of one layer; default 100 ms. */
  progressIntervalMs?: number
}

/** The label a layer's step-progress events carry: the layer, as `docker pull` names it. */
export function pullProgressLabel(layer: string): string {
  return `layer ${layer.replace(/^sha256:/, '').slice(0, 12)}`
}

/**
 * FROM an image the store lacks: the local Docker daemon's copy if it has one, else a pull from
 * its registry, as docker build would. A pull for a FROM step says so on that step (a log line
 * and one step-progress stream per layer, in bytes) even though the plan is not out yet: the
 * plan needs the image's config, so the pull happens first.
 */
export function baseImageFetcher(options: BaseImageFetchOptions): (ref: string, at?: { stepId: string }) => Promise<void> {
  const { store, buildId, emit, signal, env = process.env } = options
  const interval = options.progressIntervalMs ?? 100
  return async (ref, at) => {
    const log = (text: string): void => {
      if (at) emit({ type: 'step-log', buildId, stepId: at.stepId, stream: 'stdout', text: `${text}\n`, time: Date.now() })
    }
    // Loaded only when a base image is missing: the Docker and registry clients (node:http,
    // node:https, node:net) otherwise cost every build's start ~15 ms of compiling.
    const [{ daemonHasImage, importFromDaemon }, { pullImage }] = await Promise.all([import('../docker/daemon-images'), import('../registry')])
    if (await daemonHasImage(ref, env)) {
      log(`copying ${ref} from the local Docker daemon`)
      await importFromDaemon(store, ref, env, signal)
      return
    }
    log(`pulling ${ref}`)
    const started = Date.now()
    const result = await pullImage(store, ref, {
      ...(signal ? { signal } : {}),
      ...(at ? { onProgress: throttledProgress(interval, (p) => emitProgress(p, at.stepId)) } : {}),
    })
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    log(`pulled ${result.familiar}: ${result.layers.length} layer${result.layers.length === 1 ? '' : 's'}, ${formatSize(result.bytesFetched)} fetched in ${seconds}s`)
  }

  function emitProgress(progress: PullProgress, stepId: string): void {
    emit({ type: 'step-progress', buildId, stepId, label: pullProgressLabel(progress.layer), current: progress.current, total: progress.total })
  }
}

/**
 * At most one `downloading` report per layer per interval (a chunk arrives every few kB), but
 * always the first, the last and the ones that say a layer is there.
 */
function throttledProgress(intervalMs: number, report: (progress: PullProgress) => void): (progress: PullProgress) => void {
  const last = new Map<string, number>()
  return (progress) => {
    const now = Date.now()
    const previous = last.get(progress.layer)
    const boundary = progress.status !== 'downloading' || progress.current === 0 || progress.current === progress.total
    if (!boundary && previous !== undefined && now - previous < intervalMs) return
    last.set(progress.layer, now)
    report(progress)
  }
}
