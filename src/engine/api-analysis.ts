import type { ApiHandlers } from '../shared/contract'
import { createImageAnalyzer } from './analysis'
import type { DaemonImages } from './docker/daemon-layers'
import type { Store } from './store'

type AnalysisHandlers = Pick<ApiHandlers, 'analyzeImage'>

export interface AnalysisApiOptions {
  store: () => Promise<Store>
  env?: NodeJS.ProcessEnv
  /** The engine's one view of the Docker daemon (shared with the layer and image calls). */
  daemon?: DaemonImages
}

/** The waste-analysis call: one analyzer per engine, so an image asked about twice is read once. */
export function createAnalysisApi(options: AnalysisApiOptions): { handlers: AnalysisHandlers } {
  const analyzer = createImageAnalyzer({ store: options.store, ...(options.env ? { env: options.env } : {}), ...(options.daemon ? { daemon: options.daemon } : {}) })
  return { handlers: { analyzeImage: (selector) => analyzer.analyze(selector) } }
}
