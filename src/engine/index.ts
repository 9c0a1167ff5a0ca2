/** The engine's public face: main and the CLI import from here and nowhere deeper. */
export { createEngineApi, type EngineApi, type EngineApiOptions } from './api'
export { checkDockerfileInProject } from './api-editor'
export { LINT_RULES, type LintRuleId } from './dockerfile/lint'
export { runSupport } from './platform'
export {
  DockerfileParseError,
  describeDockerfile,
  dumpResult,
  parseDockerfile,
  type DockerfileDescription,
  type ParseResult,
} from './dockerfile'
export {
  checkStore,
  listImages,
  openStore,
  pruneStore,
  resolveStoreDir,
  type CheckReport,
  type ImageSummary,
  type PruneResult,
  type Store,
} from './store'
export { EmbeddedBackend } from './build/embedded-backend'
export { forecastBuild } from './build/forecast-build'
export type { ForecastRequest } from './build/forecast-build'
export type { Backend, BuildOutcome, BuildRequest } from './build/backend'
export {
  ImageIoError,
  exportOciLayout,
  formatHistoryTable,
  imageHistory,
  loadImages,
  saveDockerArchive,
  type ExportOciResult,
  type HistoryRow,
  type LoadResult,
  type LoadedImage,
  type SaveResult,
} from './image-io'
export { familiarReference, parseImageReference } from './store'
export {
  RegistryError,
  pullImage,
  pushImage,
  type PullOptions,
  type PullProgress,
  type PullResult,
  type PushOptions,
  type PushProgress,
  type PushResult,
} from './registry'
export { daemonHasImage, importFromDaemon } from './docker/daemon-images'
export { discoverDaemon } from './docker/discovery'
export {
  daemonImageHistory,
  listDaemonImages,
  openDaemonImage,
  type DaemonHistoryRow,
  type DaemonImageLayer,
  type DaemonImageSummary,
  type DaemonImageView,
} from './docker/daemon-image-view'
export { DockerBackend, type DockerBackendOptions } from './docker/docker-backend'
export { createComparer, type CompareOptions, type CompareTarget, type Comparer, type ComparerOptions } from './analysis/compare'
export { createImageAnalyzer, type ImageAnalyzer } from './analysis'
