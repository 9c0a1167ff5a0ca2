import type { ApiHandlers } from '../shared/contract'
import { createComparer } from './analysis/compare'
import type { DaemonImages } from './docker/daemon-layers'
import type { Store } from './store'

type CompareHandlers = Pick<ApiHandlers, 'compareImages'>

export interface CompareApiOptions {
  store: () => Promise<Store>
  env?: NodeJS.ProcessEnv
  /** The engine's one view of the Docker daemon (shared with the layer and image calls). */
  daemon?: DaemonImages
}

/** The compare call: one comparer per engine, so layers indexed for one comparison serve the next. */
export function createCompareApi(options: CompareApiOptions): { handlers: CompareHandlers } {
  const comparer = createComparer({ store: options.store, ...(options.env ? { env: options.env } : {}), ...(options.daemon ? { daemon: options.daemon } : {}) })
  return {
    handlers: {
      compareImages: ({ a, b, fileLimit }) => comparer.compare(a, b, fileLimit === undefined ? {} : { fileLimit }),
    },
  }
}
