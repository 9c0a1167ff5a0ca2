import type { EngineEvent, EngineHandlers } from '../shared/contract'
import type { DockerStatus } from '../shared/engine-info'
import { createAnalysisApi } from './api-analysis'
import { createBuildRunner } from './api-builds'
import { createCompareApi } from './api-compare'
import { createEditorApi } from './api-editor'
import { createForecastApi } from './api-forecast'
import { createImageApi } from './api-images'
import { createLayerApi } from './api-layers'
import { openProject } from './api-project'
import type { Backend } from './build/backend'
import { DaemonImages } from './docker/daemon-layers'
import { discoverDaemon } from './docker/discovery'
import { DockerStatusWatcher } from './docker/status-watcher'
import { executorFor } from './exec'
import { runSupport } from './platform'
import { openStore, resolveStoreDir, type Store } from './store'

export interface EngineApiOptions {
  env?: NodeJS.ProcessEnv
  /** How often the Docker status is re-checked while a UI listens. */
  dockerPollMs?: number
  /** The store builds go into and history comes from; default `resolveStoreDir()` (LAYERLAB_STORE honoured). */
  storeDir?: string
  /** Tests only: build with this backend instead of the embedded engine. */
  backend?: (store: Store) => Backend
}

export interface EngineApi {
  /** Every request but the host's own (hostRequestNames), which Electron main and serve add. */
  handlers: EngineHandlers
  /** Pushed events for one UI (a window or a socket). Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void
  /**
   * Cancels the running builds and stops watching Docker. Resolves once the cancelled builds
   * have cleaned up (containers removed, records written), or after `graceMs` (default 10 s).
   */
  close(graceMs?: number): Promise<void>
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
  const probe = async (): Promise<DockerStatus> => (await discoverDaemon(env)).status
  const watcher = new DockerStatusWatcher({
    probe,
    onChange: (payload) => emit({ event: 'dockerStatus', payload }),
    ...(options.dockerPollMs === undefined ? {} : { intervalMs: options.dockerPollMs }),
  })
  let store: Promise<Store> | undefined
  const getStore = (): Promise<Store> => {
    store ??= openStore(resolveStoreDir(options.storeDir, env)).catch((error: unknown) => {
      store = undefined
      throw error
    })
    return store
  }
  const daemonImages = new DaemonImages(env)
  const layers = createLayerApi({ store: getStore, daemon: daemonImages })
  const builds = createBuildRunner({
    store: getStore,
    env,
    emit: (payload) => {
      emit({ event: 'buildEvent', payload })
      // Diff the new image's layers now, so opening its file tree reads a cache file. Best effort.
      if (payload.type === 'build-finished' && payload.status === 'succeeded' && payload.image) layers.warm({ buildId: payload.buildId }).catch(() => undefined)
    },
    ...(options.backend ? { backend: options.backend } : {}),
  })

  const runUnavailable = async (): Promise<string | undefined> => {
    try {
      return executorFor(await getStore()).unavailableReason()
    } catch (error) {
      return `the store cannot be opened: ${(error as Error).message}`
    }
  }

  const handlers: EngineHandlers = {
    async engineInfo() {
      const docker = await probe()
      watcher.observe(docker)
      return {
        version: __LAYERLAB_VERSION__,
        platform: process.platform,
        arch: process.arch,
        run: runSupport(process.platform, await runUnavailable()),
        docker,
      }
    },
    openProject,
    ...builds.handlers,
    ...layers.handlers,
    ...createImageApi({ store: getStore, daemon: daemonImages }).handlers,
    ...createAnalysisApi({ store: getStore, env, daemon: daemonImages }).handlers,
    ...createCompareApi({ store: getStore, env, daemon: daemonImages }).handlers,
    ...createEditorApi({ store: getStore }).handlers,
    ...createForecastApi({ store: getStore }).handlers,
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
    async close(graceMs = 10_000) {
      builds.close()
      const layersIdle = layers.close()
      listeners.clear()
      watcher.stop()
      let timer: ReturnType<typeof setTimeout> | undefined
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs)
        timer.unref()
      })
      await Promise.race([Promise.all([builds.idle(), layersIdle]), grace])
      clearTimeout(timer)
    },
  }
}
