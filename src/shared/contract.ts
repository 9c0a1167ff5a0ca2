import type { BuildEvent } from './build-events'
import { isAnalyzeImageArgs, type AnalyzeImageArgs, type ImageWaste } from './analysis-api'
import {
  isCheckDockerfileArgs,
  isCreateDockerignoreArgs,
  isDockerfileRef,
  isSaveDockerfileArgs,
  type CheckDockerfileArgs,
  type CheckDockerfileResult,
  type CreateDockerignoreArgs,
  type DockerfileRef,
  type SaveDockerfileArgs,
} from './editor-api'
import { isCompareImagesArgs, type CompareImagesArgs, type CompareView } from './compare-api'
import type { DockerStatus, EngineInfo } from './engine-info'
import { isForecastBuildArgs, type BuildForecast, type ForecastBuildArgs } from './forecast-api'
import type { ChooseFolderResult, HostInfo } from './host-api'
import { isListImagesArgs, type ImageListEntry, type ListImagesArgs } from './images-api'
import {
  isImageLayersArgs,
  isLayerFileTreeArgs,
  type ImageLayersArgs,
  type ImageLayersView,
  type LayerFileTable,
  type LayerFileTree,
  type LayerFileTreeArgs,
} from './layers-api'
import {
  isCancelBuildArgs,
  isListBuildsArgs,
  isOpenProjectArgs,
  isReadBuildArgs,
  isStartBuildArgs,
  type BuildRecordView,
  type BuildSummary,
  type OpenProjectArgs,
  type ProjectInfo,
  type StartBuildArgs,
} from './project-api'

/**
 * The one declaration of everything the UI can ask the engine and everything the engine pushes
 * to the UI. Electron's IPC handlers, the preload bridge, the WebSocket host and the renderer
 * client are all derived from `contract`: adding a call means adding one entry here (and its
 * handler, which the compiler then demands).
 *
 * Each request carries a guard for its argument because arguments arrive from another process
 * or over a socket and are checked before any handler sees them.
 */
export interface RequestSpec<Args, Result> {
  readonly kind: 'request'
  readonly isArgs: (value: unknown) => value is Args
  /** Type-only: never read at run time. */
  readonly types?: (args: Args) => Result
}

export interface EventSpec<Payload> {
  readonly kind: 'event'
  readonly types?: (payload: Payload) => void
}

function request<Args, Result>(isArgs: (value: unknown) => value is Args): RequestSpec<Args, Result> {
  return { kind: 'request', isArgs }
}

function event<Payload>(): EventSpec<Payload> {
  return { kind: 'event' }
}

const noArgs = (value: unknown): value is void => value === undefined || value === null

export const contract = {
  requests: {
    /** Version, platform, RUN support and whether a Docker daemon answers. */
    engineInfo: request<void, EngineInfo>(noArgs),
    /** Host: which host the window runs in and what it can do (see hostRequestNames). */
    hostInfo: request<void, HostInfo>(noArgs),
    /**
     * Host: a native folder dialog for opening a project. Only where `hostInfo().folderDialog`;
     * elsewhere it fails with `unsupported`.
     */
    chooseProjectFolder: request<void, ChooseFolderResult>(noArgs),
    /** A project folder: its Dockerfiles and the stages of the chosen one (for the target picker). */
    openProject: request<OpenProjectArgs, ProjectInfo>(isOpenProjectArgs),
    /**
     * Starts a build and answers at once with its id; the build's events follow as `buildEvent`.
     * One build per project at a time: a second one fails with `bad-request` while one runs.
     */
    startBuild: request<StartBuildArgs, { buildId: string }>(isStartBuildArgs),
    /** Asks a running build to stop; `cancelled` is false when it was no longer running. */
    cancelBuild: request<{ buildId: string }, { cancelled: boolean }>(isCancelBuildArgs),
    /** This project's builds from the store's records, newest first. */
    listBuilds: request<{ dir: string; limit?: number }, BuildSummary[]>(isListBuildsArgs),
    /** One build's record with its plan and every step's outcome. */
    readBuild: request<{ id: string }, BuildRecordView>(isReadBuildArgs),
    /**
     * A build's image (or a stored image's) layers, bottom-up: sizes, the instruction and line
     * that made each, and whether it came from the cache. Fails with `not-found` when the build
     * made no image or the image is no longer in the store.
     */
    imageLayers: request<ImageLayersArgs, ImageLayersView>(isImageLayersArgs),
    /** One layer's changed paths (added / modified / removed against the layers below it). */
    layerFileTree: request<LayerFileTreeArgs, LayerFileTree>(isLayerFileTreeArgs),
    /** The same layer's files in columns (LayerFileTable): what the file view reads. */
    layerFileTable: request<LayerFileTreeArgs, LayerFileTable>(isLayerFileTreeArgs),
    /**
     * The images of Layerlab's store or of the Docker daemon, newest first. Fails with `not-found`
     * when the source is the daemon and none answers.
     */
    listImages: request<ListImagesArgs, ImageListEntry[]>(isListImagesArgs),
    /**
     * Two images (builds, stored images or daemon images) layer by layer: layers paired by
     * instruction, size deltas, and per differing pair the files added, removed or changed.
     */
    compareImages: request<CompareImagesArgs, CompareView>(isCompareImagesArgs),
    /**
     * An image's wasted space (file copies later layers overwrote or deleted), efficiency,
     * biggest files and duplicate contents. Fails with `not-found` like `imageLayers`.
     */
    analyzeImage: request<AnalyzeImageArgs, ImageWaste>(isAnalyzeImageArgs),
    /** The text of a Dockerfile inside the project (at most 1 MB). */
    readDockerfile: request<DockerfileRef, { text: string }>(isDockerfileRef),
    /**
     * Writes a Dockerfile inside the project atomically (a temporary file in the same folder,
     * then a rename); refuses paths that resolve outside the project.
     */
    saveDockerfile: request<SaveDockerfileArgs, { saved: true }>(isSaveDockerfileArgs),
    /**
     * The engine's parse errors, parse warnings and lint warnings for a text, at their ranges;
     * with the project, size and cache findings carry their measured cost and quick fixes.
     */
    checkDockerfile: request<CheckDockerfileArgs, CheckDockerfileResult>(isCheckDockerfileArgs),
    /**
     * The size and cache lint's `.dockerignore` fix: writes `<dir>/.dockerignore` atomically and
     * never over an existing one (`bad-request` then). `dir` must be a project folder.
     */
    createDockerignore: request<CreateDockerignoreArgs, { created: string }>(isCreateDockerignoreArgs),
    /**
     * Which steps the next build would take from the cache and which it would rebuild, and why,
     * without running anything (`text`: the editor's unsaved Dockerfile). A Dockerfile that
     * cannot be planned answers with `error` (at its line) rather than failing.
     */
    forecastBuild: request<ForecastBuildArgs, BuildForecast>(isForecastBuildArgs),
  },
  events: {
    /** Sent when the Docker daemon starts or stops answering, or changes version. */
    dockerStatus: event<DockerStatus>(),
    /**
     * Every event of every build the engine runs, in order. A build's `build-finished` is sent
     * once its record is in the store, so `listBuilds` already lists it.
     */
    buildEvent: event<BuildEvent>(),
  },
} as const

type Requests = (typeof contract)['requests']
type Events = (typeof contract)['events']

export type RequestName = keyof Requests
export type EventName = keyof Events
export type RequestArgs<N extends RequestName> = Requests[N] extends RequestSpec<infer A, infer _R> ? A : never
export type RequestResult<N extends RequestName> = Requests[N] extends RequestSpec<infer _A, infer R> ? R : never
export type EventPayload<E extends EventName> = Events[E] extends EventSpec<infer P> ? P : never

export const requestNames = Object.keys(contract.requests) as RequestName[]
export const eventNames = Object.keys(contract.events) as EventName[]

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(contract.requests, name)
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(contract.events, name)
}

/** What the engine side implements: one async function per request. */
export type ApiHandlers = {
  [N in RequestName]: (args: RequestArgs<N>) => Promise<RequestResult<N>>
}

/** Requests the window's host answers (Electron main, `layerlab serve`), not the engine. */
export const hostRequestNames = ['hostInfo', 'chooseProjectFolder'] as const satisfies readonly RequestName[]
export type HostRequestName = (typeof hostRequestNames)[number]
export type HostHandlers = Pick<ApiHandlers, HostRequestName>
/** Everything else: what `createEngineApi` answers, the same under every host. */
export type EngineHandlers = Omit<ApiHandlers, HostRequestName>

/** What the UI side calls. A request without arguments is called with none. */
export type ApiClient = {
  [N in RequestName]: RequestArgs<N> extends void
    ? () => Promise<RequestResult<N>>
    : (args: RequestArgs<N>) => Promise<RequestResult<N>>
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

/** A pushed event as it travels: the name and its payload. */
export type EngineEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName]
