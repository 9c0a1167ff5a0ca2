/**
 * Why moving an image in or out failed. The message is for a person and names the archive
 * member, digest or reference concerned; the code is for callers that branch (CLI, UI).
 */
export type ImageIoErrorCode =
  | 'invalid-archive' // not a docker-archive or OCI layout, or one that breaks the format's rules
  | 'unsafe-archive' // a member name or link that points outside the archive
  | 'digest-mismatch' // bytes that do not hash to the digest or diffID they are listed under
  | 'unsupported' // valid, but not something this engine can read (zstd layers, foreign layers)
  | 'not-found'
  | 'invalid-argument'

export class ImageIoError extends Error {
  override readonly name = 'ImageIoError'
  readonly code: ImageIoErrorCode

  constructor(code: ImageIoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
