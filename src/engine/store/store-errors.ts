/**
 * Why a store operation failed, as a code the build, the CLI and the UI can branch on. The
 * message is written for a person: it names the digest, reference or file concerned.
 */
export type StoreErrorCode =
  | 'invalid-digest' // not `sha256:` + 64 lowercase hex, so never turned into a path
  | 'digest-mismatch' // the bytes do not hash to the digest the caller promised
  | 'size-mismatch'
  | 'not-found'
  | 'invalid-reference' // an image name that Docker would refuse too
  | 'invalid-argument'
  | 'invalid-store' // the directory is not a store we may write into
  | 'corrupt' // stored data that does not parse or does not match its name
  | 'lock-timeout'

export class StoreError extends Error {
  override readonly name = 'StoreError'
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** True for a Node system error with one of the given `code`s (ENOENT, EEXIST, ...). */
export function hasErrnoCode(error: unknown, ...codes: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && codes.includes(code)
}
