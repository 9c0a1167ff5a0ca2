/**
 * Registry authentication as the distribution token spec and Docker do it: a 401 carries a
 * `WWW-Authenticate` challenge; `Bearer realm=…,service=…` means "get a token for these scopes
 * from the realm" (anonymously, with basic credentials, or with an OAuth refresh token);
 * `Basic` means "send the credentials with every request". Tokens are cached per scope set, so
 * each repository asks once, and asked for up front once the realm is known: a request with a
 * streamed body should not have to be sent twice.
 */
import type { RegistryCredentials } from './docker-config'
import type { RegistryEndpoint } from './registry-endpoint'
import { RegistryError, describeErrorBody } from './registry-errors'

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** RFC 7235 challenges: `Bearer realm="https://a/token",service="x", Basic realm="y"`. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = []
  const token = /[^\s,=]+/y
  const space = /[\s,]*/y
  let i = 0
  const skip = (): void => {
    space.lastIndex = i
    space.exec(header)
    i = space.lastIndex
  }
  const word = (): string | undefined => {
    token.lastIndex = i
    const m = token.exec(header)
    if (!m) return undefined
    i = token.lastIndex
    return m[0]
  }
  for (skip(); i < header.length; skip()) {
    const scheme = word()
    if (scheme === undefined) break
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} }
    challenges.push(challenge)
    for (;;) {
      skip()
      const start = i
      const name = word()
      if (name === undefined) break
      while (header[i] === ' ') i++
      // A word not followed by "=" starts the next challenge.
      if (header[i] !== '=') {
        i = start
        break
      }
      i++
      while (header[i] === ' ') i++
      challenge.params[name.toLowerCase()] = header[i] === '"' ? quoted() : (word() ?? '')
    }
  }
  return challenges

  function quoted(): string {
    let value = ''
    for (i++; i < header.length && header[i] !== '"'; i++) value += header[i] === '\\' ? (header[++i] ?? '') : header[i]
    i++
    return value
  }
}

interface CachedToken {
  header: string
  expiresAt: number
}

/** Tokens are refreshed this long before they expire, so none runs out mid-request. */
const EXPIRY_MARGIN_MS = 10_000
/** The spec's default, and its minimum: registries that say less mean at least this. */
const MIN_TOKEN_LIFETIME_S = 60

export class Authenticator {
  private readonly tokens = new Map<string, CachedToken>()
  private bearer: Challenge | undefined
  private basic = false

  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly credentials: () => Promise<RegistryCredentials | undefined>,
    private readonly signal?: AbortSignal,
  ) {}

  /** The Authorization header for a request needing `scopes`, when the registry's scheme is known. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    if (this.basic) return this.basicHeader(await this.credentials())
    if (this.bearer === undefined) return undefined
    const cached = this.tokens.get(scopeKey(scopes))
    if (cached && cached.expiresAt > Date.now() + EXPIRY_MARGIN_MS) return cached.header
    return this.fetchToken(this.bearer, scopes)
  }

  /**
   * Remembers the scheme a 401 asked for (the `GET /v2/` probe's answer), so later requests
   * authenticate up front. Returns the scheme understood, if any.
   */
  learn(challengeHeader: string | null): 'bearer' | 'basic' | undefined {
    const challenges = parseChallenges(challengeHeader ?? '')
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm)
    if (bearer) {
      if (this.bearer?.params.realm !== bearer.params.realm || this.bearer?.params.service !== bearer.params.service) this.tokens.clear()
      this.bearer = bearer
      return 'bearer'
    }
    if (!challenges.some((c) => c.scheme === 'basic')) return undefined
    this.basic = true
    return 'basic'
  }

  /** Answers a 401 to a request: learns the scheme from the challenge and gets fresh credentials for `scopes`. */
  async respond(challengeHeader: string | null, scopes: readonly string[]): Promise<void> {
    const wasBasic = this.basic
    const scheme = this.learn(challengeHeader)
    if (scheme === 'bearer' && this.bearer) {
      this.basic = false
      this.tokens.delete(scopeKey(scopes))
      await this.fetchToken(this.bearer, scopes.length > 0 ? scopes : this.bearer.params.scope ? [this.bearer.params.scope] : [])
      return
    }
    if (scheme === 'basic') {
      const credentials = await this.credentials()
      if (credentials?.username === undefined && credentials?.password === undefined) {
        throw new RegistryError('denied', `${this.endpoint.domain} requires a user name and password (docker login ${this.endpoint.domain})`, { status: 401 })
      }
      // Basic credentials were already sent with the request that got this 401.
      if (wasBasic) throw new RegistryError('denied', `${this.endpoint.domain} refused the credentials of ${credentials.username ?? 'the docker config'}`, { status: 401 })
      return
    }
    throw new RegistryError('denied', `${this.endpoint.domain} answered 401 without an authentication challenge Layerlab understands`, { status: 401 })
  }

  private basicHeader(credentials: RegistryCredentials | undefined): string | undefined {
    if (credentials?.username === undefined && credentials?.password === undefined) return undefined
    return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`
  }

  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<string> {
    const credentials = await this.credentials()
    const key = scopeKey(scopes)
    if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`
    const realm = this.realmUrl(challenge)
    const service = challenge.params.service
    // Credentials go to the realm only over https, or to a plain-http registry the user chose.
    const mayCredit = realm.protocol === 'https:' || this.endpoint.insecure
    let response: Response
    try {
      if (credentials?.identityToken && mayCredit) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'layerlab' })
        if (service) form.set('service', service)
        if (scopes.length > 0) form.set('scope', scopes.join(' '))
        response = await fetch(realm, { method: 'POST', body: form, signal: this.signal ?? null })
      } else {
        if (service) realm.searchParams.set('service', service)
        for (const scope of scopes) realm.searchParams.append('scope', scope)
        const basic = mayCredit ? this.basicHeader(credentials) : undefined
        response = await fetch(realm, { headers: basic ? { Authorization: basic } : {}, signal: this.signal ?? null })
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? String(error)
      throw new RegistryError('unreachable', `cannot reach the token service ${realm.origin} of ${this.endpoint.domain}: ${cause}`, { cause: error })
    }
    const text = await response.text()
    if (!response.ok) {
      const code = response.status === 401 || response.status === 403 ? 'denied' : 'http-error'
      const detail = describeErrorBody(text) ?? `HTTP ${response.status}`
      throw new RegistryError(code, `authentication at ${realm.origin} for ${this.endpoint.domain} failed: ${detail}`, { status: response.status, detail })
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown }
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      throw new RegistryError('invalid-response', `the token service ${realm.origin} answered something that is not JSON`)
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token
    if (typeof token !== 'string' || token === '') throw new RegistryError('invalid-response', `the token service ${realm.origin} answered without a token`)
    const lifetime = Math.max(MIN_TOKEN_LIFETIME_S, typeof body.expires_in === 'number' ? body.expires_in : 0)
    const header = `Bearer ${token}`
    this.tokens.set(key, { header, expiresAt: Date.now() + lifetime * 1000 })
    return header
  }

  private realmUrl(challenge: Challenge): URL {
    let realm: URL
    try {
      realm = new URL(challenge.params.realm ?? '')
    } catch {
      throw new RegistryError('invalid-response', `${this.endpoint.domain} named an invalid token realm ${JSON.stringify(challenge.params.realm)}`)
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new RegistryError('invalid-response', `${this.endpoint.domain} named a token realm that is not http(s): ${realm.href}`)
    }
    return realm
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ')
}

/** `repository:library/busybox:pull` */
export function repositoryScope(repository: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${repository}:${actions}`
}
