// The image config as BuildKit's Dockerfile frontend holds it (dockerspec.DockerOCIImage): the
// OCI image config with Docker's extensions (Healthcheck, OnBuild, Shell). Field names are the
// JSON names, so a config read from a blob and one built here have the same shape.

import type { ArgDefinition, EnvEntry } from '../../dockerfile'
import type { ImageConfig } from '../../store'

/** An empty object, the value type of Go's map[string]struct{} (ExposedPorts, Volumes). */
export type Empty = Record<string, never>

/** dockerspec.HealthcheckConfig; durations in nanoseconds, zero fields left out. */
export interface HealthcheckConfig {
  Test?: string[]
  Interval?: number
  Timeout?: number
  StartPeriod?: number
  StartInterval?: number
  Retries?: number
}

/** dockerspec.DockerOCIImageConfig: ocispec.ImageConfig, then the Docker extensions. */
export interface ContainerConfig {
  User?: string
  ExposedPorts?: Record<string, Empty>
  Env?: string[]
  Entrypoint?: string[]
  Cmd?: string[]
  Volumes?: Record<string, Empty>
  WorkingDir?: string
  Labels?: Record<string, string>
  StopSignal?: string
  ArgsEscaped?: boolean
  Healthcheck?: HealthcheckConfig
  OnBuild?: string[]
  Shell?: string[]
}

/** ocispec.History. `created` is absent until the image is finalized. */
export interface HistoryEntry {
  created?: string
  created_by?: string
  author?: string
  comment?: string
  empty_layer?: boolean
}

/** dockerspec.DockerOCIImage. Assignable to the store's ImageConfig. */
export interface OciImageConfig extends ImageConfig {
  created?: string
  author?: string
  architecture: string
  os: string
  'os.version'?: string
  'os.features'?: string[]
  variant?: string
  config: ContainerConfig
  rootfs: { type: string; diff_ids: string[] }
  history: HistoryEntry[]
}

/** What an instruction needs to know besides the config (see ExpandedStep). */
export interface ApplyContext {
  /** The build environment before the instruction (ExpandedStep.env): what a RUN gets. */
  readonly env: readonly EnvEntry[]
  /** The ARGs declared in the stage so far (ExpandedStep.args), for RUN's `|N k=v` prefix. */
  readonly args: readonly ArgDefinition[]
  /** A CMD ran earlier in this stage: ENTRYPOINT then keeps Cmd instead of clearing it. */
  readonly cmdSet: boolean
}

/** RUN, COPY and ADD always commit a layer (even an empty one); WORKDIR does unless it is `/`. */
export type LayerEffect = 'none' | 'required'

export interface ApplyResult {
  /** The config after the instruction, its history entry (if any) already appended. */
  readonly config: OciImageConfig
  /** The entry BuildKit writes for the instruction; null for ONBUILD, which writes none. */
  readonly history: HistoryEntry | null
  readonly layer: LayerEffect
}
