/**
 * Why talking to a registry failed. The message is for a person, in the terms `docker pull` and
 * `docker push` use (pull access denied, manifest unknown, cannot reach registry); the code is
 * for callers that branch (the build's FROM, the CLI, the UI).
 */
export type RegistryErrorCode =
  | 'denied' // 401/403 after authenticating, or the token service refused the credentials
  | 'not-found' // manifest or blob unknown, or a repository the registry does not have
  | 'unreachable' // DNS, TCP or TLS failure: no HTTP answer at all
  | 'digest-mismatch' // content that does not hash to the digest it was asked for by
  | 'invalid-response' // an answer that breaks the distribution spec (bad JSON, no Location...)
  | 'unsupported' // valid, but not something Layerlab can use (schema 1, foreign layers...)
  | 'no-platform' // an index without a manifest for the wanted platform
  | 'credentials' // the docker config or a credential helper could not give credentials
  | 'http-error' // any other HTTP status

export class RegistryError extends Error {
  override readonly name = 'RegistryError'
  readonly code: RegistryErrorCode
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined
  /** What the registry itself said (`denied: requested access to the resource is denied`), when it said something. */
  readonly detail: string | undefined

  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown; status?: number; detail?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options?.status
    this.detail = options?.detail
  }
}

/** The `errors` array of a distribution error body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}`. */
export function describeErrorBody(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errors?: unknown }
    if (!Array.isArray(body.errors)) return undefined
    const parts = body.errors.flatMap((e: unknown) => {
      const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown }
      const words = [typeof code === 'string' ? code.toLowerCase().replace(/_/g, ' ') : undefined, typeof message === 'string' ? message : undefined]
      // Distribution's messages repeat the code ("manifest unknown: manifest unknown"): say it once.
      const unique = words.filter((w, i): w is string => w !== undefined && w !== '' && words.indexOf(w) === i)
      return unique.length > 0 ? [unique.join(': ')] : []
    })
    return parts.length > 0 ? parts.join('; ') : undefined
  } catch {
    return undefined
  }
}
