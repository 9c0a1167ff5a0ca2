/**
 * One registry's HTTP API (OCI distribution spec): authentication, redirects and errors, so
 * pull and push only say which requests to make. Redirects are followed by hand: blob
 * downloads are often sent to a storage host (S3, a CDN) that must never see the registry's
 * Authorization header, and an https registry must not be redirected to plain http.
 */
import { Authenticator } from './auth'
import type { DockerConfigOptions, RegistryCredentials } from './docker-config'
import { dockerCredentials } from './docker-config'
import type { EndpointOptions, RegistryEndpoint } from './registry-endpoint'
import { isLoopback, registryEndpoint } from './registry-endpoint'
import { RegistryError, describeErrorBody } from './registry-errors'

export interface RegistryClientOptions extends EndpointOptions {
  /** Use these instead of the docker config's; `null` for anonymous access only. */
  credentials?: RegistryCredentials | null
  dockerConfig?: DockerConfigOptions
  signal?: AbortSignal
}

export interface RegistryRequest {
  method?: string
  headers?: Record<string, string>
  /**
   * Called for every attempt (after a 401, after a 307), so a body streamed from a file can be
   * sent again. Streams must be AsyncIterables of bytes.
   */
  body?: () => string | Uint8Array | AsyncIterable<Uint8Array>
  /** The token scopes the request needs: `repository:x/y:pull`. */
  scopes: readonly string[]
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 10
const USER_AGENT = 'layerlab'
/** Error bodies are read for their message only; a huge one is not worth holding. */
const MAX_ERROR_BODY = 64 << 10

export class RegistryClient {
  readonly endpoint: RegistryEndpoint
  private readonly auth: Authenticator
  private readonly signal: AbortSignal | undefined

  constructor(domain: string, options: RegistryClientOptions = {}) {
    this.endpoint = registryEndpoint(domain, options)
    this.signal = options.signal
    let credentials: Promise<RegistryCredentials | undefined> | undefined
    const lookup = (): Promise<RegistryCredentials | undefined> =>
      (credentials ??= options.credentials !== undefined ? Promise.resolve(options.credentials ?? undefined) : dockerCredentials(domain, options.dockerConfig))
    this.auth = new Authenticator(this.endpoint, lookup, options.signal)
  }

  /**
   * `GET /v2/`: is there a registry, and how does it want to be authenticated? A 401 here is an
   * answer (and teaches the realm); anything but 200 or 401 means this is not a registry API.
   */
  async ping(): Promise<void> {
    const response = await this.send(`${this.endpoint.origin}/v2/`, { method: 'GET', headers: {} }, undefined)
    await discard(response)
    if (response.status === 401) {
      this.auth.learn(response.headers.get('www-authenticate'))
      return
    }
    if (!response.ok) {
      throw new RegistryError('http-error', `${this.endpoint.domain} does not answer as a registry (GET /v2/: HTTP ${response.status})`, { status: response.status })
    }
  }

  /** A request to `path` (`/v2/…`) or to an absolute URL the registry gave (an upload Location). */
  async fetch(target: string, request: RegistryRequest): Promise<Response> {
    let url = new URL(target, this.endpoint.origin)
    let method = request.method ?? 'GET'
    let sendBody = request.body !== undefined
    let answered401 = false
    for (let hops = 0; ; ) {
      // Only the registry itself gets credentials; a redirect target is someone else.
      const own = url.origin === this.endpoint.origin
      const authorization = own ? await this.auth.header(request.scopes) : undefined
      const headers = { ...request.headers, ...(authorization ? { Authorization: authorization } : {}) }
      const response = await this.send(url.href, { method, headers }, sendBody ? request.body?.() : undefined)
      if (response.status === 401 && own && !answered401) {
        answered401 = true
        await discard(response)
        await this.auth.respond(response.headers.get('www-authenticate'), request.scopes)
        continue
      }
      const location = response.headers.get('location')
      if (!REDIRECTS.has(response.status) || location === null) return response
      await discard(response)
      if (++hops > MAX_REDIRECTS) throw new RegistryError('invalid-response', `${this.endpoint.domain}: more than ${MAX_REDIRECTS} redirects for ${method} ${target}`)
      const next = new URL(location, url)
      if (url.protocol === 'https:' && next.protocol !== 'https:' && !isLoopback(next.host)) {
        throw new RegistryError('invalid-response', `${this.endpoint.domain} redirected ${url.pathname} from https to ${next.protocol}//${next.host}; refused`)
      }
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET'
        sendBody = false
      }
      url = next
    }
  }

  /** An error for a response that was not the expected one, its body's message included. */
  async failure(response: Response, what: string): Promise<RegistryError> {
    const text = await readText(response, MAX_ERROR_BODY).catch(() => '')
    const detail = describeErrorBody(text) ?? (`HTTP ${response.status}` + (response.statusText ? ` ${response.statusText}` : ''))
    const code = response.status === 401 || response.status === 403 ? 'denied' : response.status === 404 ? 'not-found' : 'http-error'
    return new RegistryError(code, `${what}: ${detail}`, { status: response.status, detail })
  }

  private async send(url: string, init: { method: string; headers: Record<string, string> }, body: ReturnType<NonNullable<RegistryRequest['body']>> | undefined): Promise<Response> {
    const streamed = body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)
    try {
      return await fetch(url, {
        method: init.method,
        headers: { 'User-Agent': USER_AGENT, ...init.headers },
        redirect: 'manual',
        signal: this.signal ?? null,
        ...(body === undefined ? {} : { body, ...(streamed ? { duplex: 'half' as const } : {}) }),
      })
    } catch (error) {
      throw this.unreachable(error)
    }
  }

  private unreachable(error: unknown): unknown {
    if (error instanceof Error && error.name === 'AbortError') return error
    if (error instanceof RegistryError) return error
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    const reason = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : error instanceof Error ? error.message : String(error)
    const code = typeof cause?.code === 'string' ? cause.code : ''
    const tls = /SSL|TLS|EPROTO|CERT/i.test(`${code} ${reason}`)
    const hint = tls && !this.endpoint.insecure ? `; if it serves plain http, list it in LAYERLAB_INSECURE_REGISTRIES` : ''
    return new RegistryError('unreachable', `cannot reach registry ${this.endpoint.domain} (${this.endpoint.origin}): ${reason}${hint}`, { cause: error })
  }
}

/** Lets the connection be reused (or closed) without reading a body nobody wants. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined)
}

/** The body as text, refusing more than `max` bytes: manifests and errors are small. */
export async function readText(response: Response, max: number): Promise<string> {
  return (await readBytes(response, max)).toString('utf8')
}

export async function readBytes(response: Response, max: number): Promise<Buffer> {
  const where = response.url || 'the registry'
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > max) {
    await discard(response)
    throw new RegistryError('invalid-response', `${where} sent ${declared} bytes, more than the ${max} allowed here`)
  }
  if (response.body === null) return Buffer.alloc(0)
  const reader = response.body.getReader()
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      throw new RegistryError('invalid-response', `${where} sent more than the ${max} bytes allowed here`)
    }
    chunks.push(Buffer.from(value))
  }
  return Buffer.concat(chunks)
}
