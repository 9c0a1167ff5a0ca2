import type { BackendKind, BuildEvent } from '../../shared/build-events'

/** What a user asks for, whichever backend builds it (the CLI flags of `layerlab build`). */
export interface BuildRequest {
  contextDir: string
  /** Path of the Dockerfile; default `<contextDir>/Dockerfile`. */
  dockerfile?: string
  tags?: string[]
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
}

export interface BuildOutcome {
  buildId: string
  status: 'succeeded' | 'failed' | 'cancelled'
  image?: { digest: string; tags: string[] }
}

/**
 * One way of building: the embedded engine, or the Docker daemon. Both report through the same
 * events, so every view works the same with either.
 */
export interface Backend {
  readonly kind: BackendKind
  build(request: BuildRequest, emit: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildOutcome>
}
