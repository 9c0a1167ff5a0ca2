import type { ApiHandlers, EngineEvent } from '../shared/contract'
import type { DockerStatus } from '../shared/engine-info'
import { probeDockerDaemon } from './docker/daemon-status'
import { DockerStatusWatcher } from './docker/status-watcher'
import { runSupport } from './platform'

export interface EngineApiOptions {
  env?: NodeJS.ProcessEnv
  /** How often the Docker status is re-checked while a UI listens. */
  dockerPollMs?: number
}

export interface EngineApi {
  handlers: ApiHandlers
  /** Pushed events for one UI (a window or a socket). Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void
  close(): void
}

/**
 * The engine as the contract sees it. Electron's IPC and the `serve` WebSocket host both wrap
 * this one object, so the two can never answer differently.
 */
export function createEngineApi(options: EngineApiOptions = {}): EngineApi {
  const env = options.env ?? process.env
  const listeners = new Set<(event: EngineEvent) => void>()
  const emit = (event: EngineEvent): void => {
    for (const listener of listeners) listener(event)
  }
  const probe = (): Promise<DockerStatus> => probeDockerDaemon(env)
  const watcher = new DockerStatusWatcher({
    probe,
    onChange: (payload) => emit({ event: 'dockerStatus', payload }),
    ...(options.dockerPollMs === undefined ? {} : { intervalMs: options.dockerPollMs }),
  })

  const handlers: ApiHandlers = {
    async engineInfo() {
      const docker = await probe()
      watcher.observe(docker)
      return {
        version: __LAYERLAB_VERSION__,
        platform: process.platform,
        arch: process.arch,
        run: runSupport(),
        docker,
      }
    },
  }

  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener)
      watcher.start()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) watcher.stop()
      }
    },
    close() {
      listeners.clear()
      watcher.stop()
    },
  }
}
