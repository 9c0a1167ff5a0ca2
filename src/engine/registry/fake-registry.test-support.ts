// A small in-process OCI registry for unit tests: enough of the distribution API (manifests,
// blobs, uploads, mounts) and of its auth (bearer tokens from a realm, basic) to exercise the
// client, plus knobs for what real registries do to it (redirect blobs to a storage host, lie).
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  authorization: string | undefined
  host: 'registry' | 'storage'
}

export interface FakeRegistryOptions {
  auth?: 'none' | 'bearer' | 'basic'
  /** user:password that basic auth, or the token realm, accepts. */
  user?: { username: string; password: string }
  /** With bearer auth: repositories anonymous tokens may pull (default: all but `private`). */
  anonymousPull?: (repository: string) => boolean
  /** Answer blob GETs with a 307 to a second server, as registries backed by S3 do. */
  redirectBlobs?: boolean
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>()
  /** Which repositories a blob belongs to, as distribution links them; absent: every repository. */
  private readonly links = new Map<string, Set<string>>()
  /** `repo` → reference (tag or digest) → manifest. */
  readonly manifests = new Map<string, Map<string, { bytes: Buffer; mediaType: string }>>()
  /** What a GET of the blob returns instead of its real bytes. */
  readonly lies = new Map<string, Buffer>()
  readonly requests: SeenRequest[] = []
  readonly tokenScopes: string[] = []
  host = ''
  private readonly tokens = new Map<string, string[]>()
  private readonly uploads = new Map<string, Buffer[]>()
  private readonly server: Server
  private readonly storage: Server
  private storageHost = ''

  constructor(private readonly options: FakeRegistryOptions = {}) {
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: unknown) => res.writeHead(500).end(String(e))))
    this.storage = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, host: 'storage' })
      const digest = new URL(req.url ?? '/', 'http://x').searchParams.get('digest') ?? ''
      const body = this.lies.get(digest) ?? this.blobs.get(digest)
      if (body === undefined) res.writeHead(404).end()
      else res.writeHead(200, { 'Content-Length': body.length }).end(body)
    })
  }

  async start(): Promise<string> {
    const listen = (s: Server): Promise<string> =>
      new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(s.address() as AddressInfo).port}`)))
    this.host = await listen(this.server)
    this.storageHost = await listen(this.storage)
    return this.host
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    this.storage.closeAllConnections()
    await Promise.all([new Promise((r) => this.server.close(r)), new Promise((r) => this.storage.close(r))])
  }

  /** A blob in `repo`, or (without one) in every repository. */
  addBlob(data: Buffer | string, repo?: string): { digest: string; size: number } {
    const bytes = Buffer.from(data)
    const digest = sha256(bytes)
    this.blobs.set(digest, bytes)
    if (repo !== undefined) this.link(repo, digest)
    return { digest, size: bytes.length }
  }

  private link(repo: string, digest: string): void {
    const repos = this.links.get(digest) ?? new Set<string>()
    this.links.set(digest, repos)
    repos.add(repo)
  }

  private hasBlob(repo: string, digest: string): boolean {
    if (!this.blobs.has(digest)) return false
    const repos = this.links.get(digest)
    return repos === undefined || repos.has(repo)
  }

  /** Stores a manifest or index under its digest and, if given, a tag. */
  addManifest(repo: string, document: object, tag?: string): { digest: string; size: number; mediaType: string } {
    const bytes = Buffer.from(JSON.stringify(document))
    const mediaType = (document as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json'
    const digest = sha256(bytes)
    const repoManifests = this.manifests.get(repo) ?? new Map<string, { bytes: Buffer; mediaType: string }>()
    this.manifests.set(repo, repoManifests)
    repoManifests.set(digest, { bytes, mediaType })
    if (tag) repoManifests.set(tag, { bytes, mediaType })
    return { digest, size: bytes.length, mediaType }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${this.host}`)
    const method = req.method ?? 'GET'
    this.requests.push({ method, path: url.pathname + url.search, authorization: req.headers.authorization, host: 'registry' })
    const body = await readBody(req)
    if (url.pathname === '/token') return this.token(req, url, res)

    const route = /^\/v2\/(.+?)\/(manifests|blobs)\/(uploads\/?(.*)|[^/]+)$/.exec(url.pathname)
    const repo = route?.[1] ?? ''
    const write = method !== 'GET' && method !== 'HEAD'
    if (url.pathname !== '/v2/' && !route) return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] })
    if (!this.authorized(req, url.pathname === '/v2/' ? undefined : repo, write ? 'push' : 'pull')) {
      const scope = route ? `repository:${repo}:${write ? 'pull,push' : 'pull'}` : undefined
      const challenge =
        this.options.auth === 'basic'
          ? 'Basic realm="fake"'
          : `Bearer realm="http://${this.host}/token",service="fake-registry"${scope ? `,scope="${scope}"` : ''}`
      res.setHeader('WWW-Authenticate', challenge)
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] })
    }
    if (url.pathname === '/v2/') return json(res, 200, {})
    const [, , kind, rest = '', uploadId] = route as RegExpExecArray
    if (kind === 'manifests') return this.manifest(method, repo, rest, req, body, res)
    if (!rest.startsWith('uploads')) return this.blob(method, repo, rest, res)
    return this.upload(method, repo, uploadId ?? '', url, req, body, res)
  }

  private manifest(method: string, repo: string, reference: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (method === 'PUT') {
      const mediaType = req.headers['content-type'] ?? ''
      const digest = sha256(body)
      const repoManifests = this.manifests.get(repo) ?? new Map<string, { bytes: Buffer; mediaType: string }>()
      this.manifests.set(repo, repoManifests)
      repoManifests.set(digest, { bytes: body, mediaType })
      repoManifests.set(reference, { bytes: body, mediaType })
      res.writeHead(201, { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/manifests/${digest}` }).end()
      return
    }
    const found = this.manifests.get(repo)?.get(reference)
    if (!found) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })
    res.writeHead(200, { 'Content-Type': found.mediaType, 'Docker-Content-Digest': sha256(found.bytes), 'Content-Length': found.bytes.length })
    res.end(method === 'HEAD' ? undefined : found.bytes)
  }

  private blob(method: string, repo: string, digest: string, res: ServerResponse): void {
    const real = this.blobs.get(digest)
    if (!real || !this.hasBlob(repo, digest)) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] })
    if (method === 'HEAD') return void res.writeHead(200, { 'Content-Length': real.length, 'Docker-Content-Digest': digest }).end()
    if (this.options.redirectBlobs) {
      return void res.writeHead(307, { Location: `http://${this.storageHost}/bucket/data?digest=${encodeURIComponent(digest)}&X-Amz-Signature=x` }).end()
    }
    const body = this.lies.get(digest) ?? real
    res.writeHead(200, { 'Content-Length': body.length, 'Docker-Content-Digest': digest }).end(body)
  }

  private upload(method: string, repo: string, id: string, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (method === 'POST') {
      const mount = url.searchParams.get('mount')
      const from = url.searchParams.get('from')
      if (mount && from && this.hasBlob(from, mount) && this.authorized(req, from, 'pull')) {
        this.link(repo, mount)
        return void res.writeHead(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount }).end()
      }
      const newId = randomUUID()
      this.uploads.set(newId, [])
      return void res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${newId}?_state=abc`, Range: '0-0' }).end()
    }
    const parts = this.uploads.get(id)
    if (!parts) return json(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown' }] })
    parts.push(body)
    if (method === 'PATCH') {
      const size = parts.reduce((n, p) => n + p.length, 0)
      return void res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${id}?_state=p${parts.length}`, Range: `0-${size - 1}` }).end()
    }
    const data = Buffer.concat(parts)
    const digest = url.searchParams.get('digest') ?? ''
    if (sha256(data) !== digest) return json(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] })
    this.uploads.delete(id)
    this.blobs.set(digest, data)
    this.link(repo, digest)
    res.writeHead(201, { Location: `/v2/${repo}/blobs/${digest}`, 'Docker-Content-Digest': digest }).end()
  }

  private authorized(req: IncomingMessage, repo: string | undefined, action: 'pull' | 'push'): boolean {
    const header = req.headers.authorization ?? ''
    if (this.options.auth === undefined || this.options.auth === 'none') return true
    if (this.options.auth === 'basic') {
      const user = this.options.user
      return user !== undefined && header === `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
    }
    const granted = this.tokens.get(header.replace(/^Bearer /, ''))
    if (granted === undefined) return false
    if (repo === undefined) return true
    return granted.some((scope) => {
      const [type, name, actions] = scope.split(':')
      return type === 'repository' && name === repo && (actions ?? '').split(',').includes(action)
    })
  }

  private token(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const user = this.options.user
    const header = req.headers.authorization
    const authenticated = user !== undefined && header === `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
    if (header !== undefined && !authenticated) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] })
    const scopes = url.searchParams.getAll('scope')
    this.tokenScopes.push(...scopes)
    const anonymous = this.options.anonymousPull ?? ((repo: string) => repo !== 'private')
    const granted = scopes.flatMap((scope) => {
      const [type, name = '', actions = ''] = scope.split(':')
      if (authenticated) return [scope]
      return type === 'repository' && anonymous(name) ? [`repository:${name}:${actions.split(',').filter((a) => a === 'pull').join(',')}`] : []
    })
    const token = randomUUID()
    this.tokens.set(token, granted)
    json(res, 200, { token, expires_in: 300 })
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
