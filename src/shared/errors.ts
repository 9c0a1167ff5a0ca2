/** A position in a source file, 1-based like BuildKit's line numbers. */
export interface SourcePosition {
  line: number
  column: number
}

export interface SourceLocation {
  file?: string
  start: SourcePosition
  end: SourcePosition
}

/**
 * Every failure that crosses a process or network boundary has this shape, never a bare
 * string, so the UI can point at the line or step it concerns.
 */
export interface ApiErrorPayload {
  code: ErrorCode
  message: string
  location?: SourceLocation
  stepId?: string
}

export type ErrorCode =
  | 'bad-request' // the caller sent something the contract does not allow
  | 'unknown-method'
  | 'not-found'
  | 'parse-error'
  | 'build-failed'
  | 'cancelled'
  | 'docker-unavailable'
  | 'unsupported' // this host cannot do it (a native dialog in the browser host)
  | 'transport' // the connection to the engine broke
  | 'internal'

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly location: SourceLocation | undefined
  readonly stepId: string | undefined

  constructor(payload: ApiErrorPayload) {
    super(payload.message)
    this.name = 'ApiError'
    this.code = payload.code
    this.location = payload.location
    this.stepId = payload.stepId
  }

  toPayload(): ApiErrorPayload {
    const payload: ApiErrorPayload = { code: this.code, message: this.message }
    if (this.location) payload.location = this.location
    if (this.stepId !== undefined) payload.stepId = this.stepId
    return payload
  }
}

/**
 * Turns anything thrown by a handler into a payload. Unknown errors keep their message but not
 * their stack: stacks are for logs, not for users.
 */
export function toErrorPayload(error: unknown): ApiErrorPayload {
  if (error instanceof ApiError) return error.toPayload()
  if (isErrorPayload(error)) return error
  if (error instanceof Error) return { code: 'internal', message: error.message }
  return { code: 'internal', message: String(error) }
}

export function isErrorPayload(value: unknown): value is ApiErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}
