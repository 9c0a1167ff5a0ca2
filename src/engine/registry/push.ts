/**
 * `layerlab push`: every blob the image needs is checked with HEAD and uploaded only if the
 * registry lacks it (mounted from the source repository when that is on the same registry),
 * streamed from the store in one PUT or in PATCH chunks; then the manifests, children before
 * the index that lists them, each with its own media type and exact stored bytes.
 */
import { createReadStream } from 'node:fs'
import type { Descriptor, Digest, Store } from '../store'
import { familiarName, familiarReference, formatReference, isDigest, parseImageReference, resolveImage } from '../store'
import { repositoryScope } from './auth'
import type { RegistryClientOptions } from './registry-client'
import { RegistryClient, discard } from './registry-client'
import { RegistryError } from './registry-errors'
import { DEFAULT_CONCURRENCY, countingBytes, eitherSignal, runLimited } from './transfer'

export interface PushProgress {
  layer: Digest
  current: number
  total: number
  /** `exists`: the registry has it. `mounted`: linked from the source repository, not uploaded. */
  status: 'exists' | 'mounted' | 'uploading' | 'done'
}

export interface PushOptions extends RegistryClientOptions {
  /** The image in the store to push (default: `reference` itself), like `docker tag` + `docker push`. */
  source?: string
  onProgress?: (event: PushProgress) => void
  concurrency?: number
  /** Upload blobs in PATCH chunks of this many bytes; default one streamed PUT per blob. */
  chunkSize?: number
  /** Try cross-repository mounts from the source's repository on the same registry (default true). */
  mount?: boolean
}

export interface PushResult {
  reference: string
  familiar: string
  /** The digest of the pushed manifest (or index): what `name@digest` now names. */
  digest: Digest
  mediaType: string
  size: number
  uploaded: Digest[]
  skipped: Digest[]
  mounted: Digest[]
  bytesUploaded: number
}

interface StoredManifest {
  descriptor: Descriptor
  bytes: Buffer
  mediaType: string
}

export async function pushImage(store: Store, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseImageReference(reference)
  if (ref.digest !== undefined) throw new RegistryError('unsupported', `cannot push to a digest reference (${familiarReference(ref)}): push a tag`)
  const tag = ref.tag ?? 'latest'
  const resolved = await resolveImage(store, options.source ?? reference)
  const { manifests, blobs } = await collect(store, resolved.descriptor)

  let mountFrom: string | undefined
  if (options.mount !== false && resolved.reference !== undefined) {
    const source = parseImageReference(resolved.reference)
    if (source.domain === ref.domain && source.path !== ref.path) mountFrom = source.path
  }
  const scopes = [repositoryScope(ref.path, 'pull,push'), ...(mountFrom ? [repositoryScope(mountFrom, 'pull')] : [])]
  const controller = new AbortController()
  const client = new RegistryClient(ref.domain, { ...options, signal: eitherSignal(options.signal, controller.signal) })
  const where = `${ref.domain}/${ref.path}`
  const denied = (error: unknown): unknown =>
    error instanceof RegistryError && error.code === 'denied'
      ? new RegistryError('denied', `push access denied for ${familiarName(ref)}: ${error.detail ?? error.message}`, { cause: error, ...(error.detail ? { detail: error.detail } : {}) })
      : error

  const result = { uploaded: [] as Digest[], skipped: [] as Digest[], mounted: [] as Digest[], bytesUploaded: 0 }
  try {
    await client.ping()
    await runLimited(blobs, options.concurrency ?? DEFAULT_CONCURRENCY, controller, async (blob) => {
      const digest = blob.digest as Digest
      const report = (status: PushProgress['status'], current: number): void => options.onProgress?.({ layer: digest, current, total: blob.size, status })
      const head = await client.fetch(`/v2/${ref.path}/blobs/${digest}`, { method: 'HEAD', scopes })
      await discard(head)
      if (head.ok) {
        result.skipped.push(digest)
        return report('exists', blob.size)
      }
      if (head.status !== 404) throw await client.failure(head, `HEAD blob ${digest} at ${where}`)

      const mount = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : ''
      const started = await client.fetch(`/v2/${ref.path}/blobs/uploads/${mount}`, { method: 'POST', headers: { 'Content-Length': '0' }, scopes })
      if (started.status === 201) {
        await discard(started)
        result.mounted.push(digest)
        return report('mounted', blob.size)
      }
      if (started.status !== 202) throw await client.failure(started, `starting the upload of ${digest} to ${where}`)
      await discard(started)
      report('uploading', 0)
      await upload(client, store, blob, uploadLocation(started, where), scopes, options.chunkSize, (n) => report('uploading', n))
      result.uploaded.push(digest)
      result.bytesUploaded += blob.size
      report('done', blob.size)
    })

    for (const [i, manifest] of manifests.entries()) {
      const top = i === manifests.length - 1
      const target = top ? tag : manifest.descriptor.digest
      const response = await client.fetch(`/v2/${ref.path}/manifests/${target}`, {
        method: 'PUT',
        headers: { 'Content-Type': manifest.mediaType },
        body: () => manifest.bytes,
        scopes,
      })
      if (response.status !== 201 && response.status !== 200) throw await client.failure(response, `manifest ${familiarReference({ ...ref, tag: target })} rejected`)
      await discard(response)
      const stated = response.headers.get('docker-content-digest')
      if (stated !== null && isDigest(stated) && stated !== manifest.descriptor.digest) {
        throw new RegistryError('digest-mismatch', `${where} stored manifest ${manifest.descriptor.digest} as ${stated}: it changed the bytes`)
      }
    }
  } catch (error) {
    throw denied(error)
  }
  const top = manifests[manifests.length - 1] as StoredManifest
  return {
    reference: formatReference({ ...ref, tag }),
    familiar: familiarReference({ ...ref, tag }),
    digest: top.descriptor.digest as Digest,
    mediaType: top.mediaType,
    size: top.bytes.length,
    ...result,
  }
}

/** Manifests in push order (an index after its children) and the blobs they need, once each. */
async function collect(store: Store, root: Descriptor): Promise<{ manifests: StoredManifest[]; blobs: Descriptor[] }> {
  const manifests: StoredManifest[] = []
  const blobs = new Map<string, Descriptor>()
  const visit = async (descriptor: Descriptor, parent?: string): Promise<void> => {
    if (!(await store.hasBlob(descriptor.digest))) {
      const platform = descriptor.platform ? ` (${descriptor.platform.os}/${descriptor.platform.architecture})` : ''
      throw new RegistryError('unsupported', `image index ${parent ?? ''} lists manifest ${descriptor.digest}${platform}, which is not in the store: only the platforms that were pulled can be pushed`)
    }
    const bytes = await store.readBlob(descriptor.digest)
    const document = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }
    if (Array.isArray(document.manifests) && !Array.isArray(document.layers)) {
      for (const child of document.manifests) await visit(child, descriptor.digest)
    } else {
      for (const blob of [document.config, ...(document.layers ?? [])]) if (blob && !blobs.has(blob.digest)) blobs.set(blob.digest, blob)
    }
    const mediaType = typeof document.mediaType === 'string' ? document.mediaType : descriptor.mediaType
    manifests.push({ descriptor, bytes, mediaType })
  }
  await visit(root)
  return { manifests, blobs: [...blobs.values()] }
}

function uploadLocation(response: Response, where: string): string {
  const location = response.headers.get('location')
  if (location === null) throw new RegistryError('invalid-response', `${where} started an upload without saying where to send it (no Location)`)
  return new URL(location, response.url).href
}

/**
 * The bytes go straight from the blob file: one PUT (`?digest=`), or PATCHes of `chunkSize`
 * with Content-Range, each answered with the Location of the next, and an empty closing PUT.
 */
async function upload(
  client: RegistryClient,
  store: Store,
  blob: Descriptor,
  location: string,
  scopes: readonly string[],
  chunkSize: number | undefined,
  onBytes: (n: number) => void,
): Promise<void> {
  const file = store.blobPath(blob.digest)
  const octets = { 'Content-Type': 'application/octet-stream' }
  // A new stream per attempt: the client may send the body again after a 401 or a 307.
  const range = (start: number, end: number) => (): Uint8Array | AsyncIterable<Uint8Array> =>
    end > start ? countingBytes(createReadStream(file, { start, end: end - 1 }), (n) => onBytes(start + n)) : Buffer.alloc(0)
  let url = location
  let offset = 0
  if (chunkSize !== undefined && chunkSize > 0) {
    while (offset < blob.size) {
      const end = Math.min(blob.size, offset + chunkSize)
      const headers = { ...octets, 'Content-Range': `${offset}-${end - 1}`, 'Content-Length': String(end - offset) }
      const response = await client.fetch(url, { method: 'PATCH', headers, body: range(offset, end), scopes })
      if (response.status !== 202) throw await client.failure(response, `uploading ${blob.digest} (bytes ${offset}-${end - 1})`)
      await discard(response)
      url = uploadLocation(response, client.endpoint.domain)
      offset = end
    }
  }
  const final = new URL(url)
  final.searchParams.set('digest', blob.digest)
  const rest = blob.size - offset
  const response = await client.fetch(final.href, { method: 'PUT', headers: { ...octets, 'Content-Length': String(rest) }, body: range(offset, blob.size), scopes })
  if (response.status !== 201 && response.status !== 204) throw await client.failure(response, `uploading ${blob.digest}`)
  await discard(response)
}
