import type { LayerRef, PlannedStep, StepFinishedEvent } from '../../shared/build-events'
import type { OciImageConfig } from './image-config'

/** A layer of the image being built, as the manifest and the views need it. */
export interface BuiltLayer extends LayerRef {
  /** The embedded engine always stores the blob, so its digest is known (unlike a daemon's layers). */
  digest: string
  /** Compressed blob size (the manifest's descriptor size). */
  blobSize: number
  mediaType: string
}

/** Where a stage stands after its last step: what FROM <stage> and COPY --from read. */
export interface StageResult {
  config: OciImageConfig
  /** Every layer of the stage's filesystem, base image's included, lowest first. */
  layers: BuiltLayer[]
  /** Layers this build added on top of the base image's. */
  addedLayers: BuiltLayer[]
  /** The cache key chain's head: what a child stage's keys build on. */
  key: string
  /** Whether any keyed step in the stage (or its base stage) missed. */
  rebuilt: boolean
}

export type StepOutcome = Pick<StepFinishedEvent, 'status' | 'reason' | 'layer' | 'error'>

export interface StepReporter {
  started(step: PlannedStep): void
  finished(step: PlannedStep, outcome: StepOutcome, durationMs: number): void
  log(step: PlannedStep, stream: 'stdout' | 'stderr', text: string): void
}
