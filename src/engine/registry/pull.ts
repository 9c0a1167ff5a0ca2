/**
 * `layerlab pull`: a tag or digest → manifest (an index resolved to the wanted platform) →
 * config and layers streamed into the store, each verified against its digest while it is
 * written → the manifest's exact bytes stored and tagged. Blobs already in the store are not
 * fetched again. Anything that fails verification is refused before a tag moves, so a tag
 * never points at an image that is not entirely, and correctly, in the store.
 */
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { Descriptor, Digest, ImageConfig, ImageManifest, Store } from '../store'
import { MediaType, StoreError, familiarName, familiarReference, formatReference, parseImageReference, tagImage } from '../store'
import type { ImageReference } from '../store'
import { repositoryScope } from './auth'
import type { FetchedManifest } from './manifests'
import { fetchManifest } from './manifests'
import type { PlatformSpec } from './platform-select'
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform, selectManifest } from './platform-select'
import type { RegistryClientOptions } from './registry-client'
import { RegistryClient } from './registry-client'
import { RegistryError } from './registry-errors'
import { DEFAULT_CONCURRENCY, countingBytes, eitherSignal, runLimited } from './transfer'

export interface PullProgress {
  /** The layer's digest. */
  layer: Digest
  /** Bytes of it in the store so far. */
  current: number
  total: number
  /** `exists`: already in the store, not fetched. `done`: fetched and verified. */
  status: 'exists' | 'downloading' | 'done'
}

export interface PullOptions extends RegistryClientOptions {
  /** `linux/arm64`, or a platform object; default: the host's (linux/amd64 here). */
  platform?: PlatformSpec | string
  onProgress?: (event: PullProgress) => void
  /** Parallel layer downloads (default 3). */
  concurrency?: number
}

export interface PullResult {
  /** The full reference pulled: `docker.io/library/busybox:latest`. */
  reference: string
  /** As Docker prints it: `busybox:latest`. */
  familiar: string
  /** What the reference resolved to at the registry: the index's digest for a multi-platform image. */
  digest: Digest
  /** The image manifest now in the store (and tagged, for a tag reference). */
  manifest: Descriptor
  config: Descriptor
  platform: PlatformSpec
  layers: (Descriptor & { fetched: boolean })[]
  /** Blob bytes that came over the network (0: the image was up to date). */
  bytesFetched: number
  /** The tags now pointing at the manifest. */
  tags: string[]
  /** Things the user should know that did not stop the pull (zstd layers, another platform). */
  warnings: string[]
}

const LAYER_TYPES = new Set<string>([MediaType.layerTar, MediaType.layerTarGzip, MediaType.layerTarZstd, MediaType.dockerLayerTarGzip])
const ZSTD_TYPES = new Set<string>([MediaType.layerTarZstd, 'application/vnd.docker.image.rootfs.diff.tar.zstd'])
const CONFIG_TYPES = new Set<string>([MediaType.imageConfig, MediaType.dockerConfig])

export async function pullImage(store: Store, reference: string, options: PullOptions = {}): Promise<PullResult> {
  const ref = parseImageReference(reference)
  const wanted = normalizePlatform(typeof options.platform === 'string' ? parsePlatform(options.platform) : (options.platform ?? hostPlatform()))
  const controller = new AbortController()
  const signal = eitherSignal(options.signal, controller.signal)
  const client = new RegistryClient(ref.domain, { ...options, signal })
  const scopes = [repositoryScope(ref.path, 'pull')]
  const where = `${ref.domain}/${ref.path}`
  const warnings: string[] = []

  await client.ping()
  const top = await inUserTerms(ref, () => fetchManifest(client, ref.path, ref.digest ?? ref.tag ?? 'latest', scopes))
  let image: FetchedManifest = top
  let platform: Descriptor['platform']
  if (top.isIndex) {
    const chosen = selectManifest(indexEntries(top, where), wanted)
    platform = chosen.platform
    image = await inUserTerms(ref, () => fetchManifest(client, ref.path, chosen.digest, scopes, { size: chosen.size }))
    if (image.isIndex) throw new RegistryError('unsupported', `${where}: index ${top.digest} points at another index (${image.digest}); nested indexes are not supported`)
  }
  const manifest = checkedManifest(image, where, warnings)

  const download = async (d: Descriptor, onBytes?: (n: number) => void): Promise<void> => {
    const response = await client.fetch(`/v2/${ref.path}/blobs/${d.digest}`, { scopes })
    if (!response.ok) throw await client.failure(response, `blob ${d.digest} of ${where}`)
    if (response.body === null) throw new RegistryError('invalid-response', `blob ${d.digest} of ${where}: empty answer`)
    const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
    try {
      await store.putBlobFromStream(onBytes ? countingBytes(body, onBytes) : body, { digest: d.digest, size: d.size })
    } catch (error) {
      body.destroy()
      throw blobFailure(error, d, where)
    }
  }

  let bytesFetched = 0
  if (!(await store.hasBlob(manifest.config.digest))) {
    await download(manifest.config)
    bytesFetched += manifest.config.size
  }
  const config = await store.readJson<ImageConfig>(manifest.config.digest)
  checkConfig(config, manifest, where, wanted, warnings)

  const fetched = new Set<string>()
  const layers = [...new Map(manifest.layers.map((l) => [l.digest, l])).values()]
  await runLimited(layers, options.concurrency ?? DEFAULT_CONCURRENCY, controller, async (layer) => {
    const layerDigest = layer.digest as Digest
    if (await store.hasBlob(layer.digest)) {
      options.onProgress?.({ layer: layerDigest, current: layer.size, total: layer.size, status: 'exists' })
      return
    }
    options.onProgress?.({ layer: layerDigest, current: 0, total: layer.size, status: 'downloading' })
    await download(layer, (current) => options.onProgress?.({ layer: layerDigest, current, total: layer.size, status: 'downloading' }))
    fetched.add(layer.digest)
    bytesFetched += layer.size
    options.onProgress?.({ layer: layerDigest, current: layer.size, total: layer.size, status: 'done' })
  })

  // Written last: a manifest in the store promises that its config and layers are there too.
  await store.putBlob(image.bytes, { digest: image.digest })
  // By digest nothing is tagged; keeping the index lets `name@<index digest>` resolve later.
  if (ref.digest !== undefined && top.isIndex) await store.putBlob(top.bytes, { digest: top.digest })
  const descriptor: Descriptor = { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length, ...(platform ? { platform } : {}) }
  const tags = ref.digest === undefined ? await tagImage(store, descriptor, [formatReference(ref)]) : []

  return {
    reference: formatReference(ref),
    familiar: familiarReference(ref),
    digest: top.digest,
    manifest: descriptor,
    config: manifest.config,
    platform: wanted,
    layers: manifest.layers.map((l) => ({ ...l, fetched: fetched.has(l.digest) })),
    bytesFetched,
    tags,
    warnings,
  }
}

/** Manifest errors in the words `docker pull` uses, which is what people search for. */
async function inUserTerms<T>(ref: ImageReference, fetchIt: () => Promise<T>): Promise<T> {
  try {
    return await fetchIt()
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error
    const detail = error.detail ?? error.message
    if (error.code === 'denied') {
      throw new RegistryError('denied', `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${detail}`, {
        cause: error,
        ...(error.status === undefined ? {} : { status: error.status }),
        detail,
      })
    }
    if (error.code === 'not-found') {
      const extra = /^manifest unknown/.test(detail) ? '' : ` (${detail})`
      throw new RegistryError('not-found', `manifest unknown: ${familiarReference(ref)} not found${extra}`, { cause: error, status: 404, detail })
    }
    throw error
  }
}

function indexEntries(index: FetchedManifest, where: string): Descriptor[] {
  const entries = index.document.manifests as unknown[]
  return entries.map((entry, i) => {
    const d = entry as Partial<Descriptor> | null
    if (typeof d !== 'object' || d === null || typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
      throw new RegistryError('invalid-response', `index ${index.digest} of ${where}: entry ${i} is not a descriptor`)
    }
    return d as Descriptor
  })
}

function checkedManifest(image: FetchedManifest, where: string, warnings: string[]): ImageManifest {
  const doc = image.document as Partial<ImageManifest>
  const descriptors = [doc.config, ...(doc.layers ?? [])]
  for (const d of descriptors) {
    if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string' || typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
      throw new RegistryError('invalid-response', `manifest ${image.digest} of ${where} has an invalid descriptor`)
    }
    // The store names blobs by sha256 only; anything else could not be verified or stored.
    if (typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest)) {
      throw new RegistryError('unsupported', `manifest ${image.digest} of ${where} references ${JSON.stringify(d.digest)}: only sha256 digests are supported`)
    }
  }
  const manifest = doc as ImageManifest
  if (!CONFIG_TYPES.has(manifest.config.mediaType)) {
    throw new RegistryError('unsupported', `${where} is not a container image (its config is ${manifest.config.mediaType})`)
  }
  for (const layer of manifest.layers) {
    if (/foreign|nondistributable/.test(layer.mediaType)) {
      throw new RegistryError('unsupported', `${where} has a foreign layer ${layer.digest} (${layer.mediaType}), which only Windows images use; not supported`)
    }
    if (ZSTD_TYPES.has(layer.mediaType)) {
      warnings.push(`layer ${layer.digest} is zstd-compressed: it is stored, but Layerlab's engine cannot read zstd layers yet, so building FROM this image or showing its files will fail`)
    } else if (!LAYER_TYPES.has(layer.mediaType)) {
      throw new RegistryError('unsupported', `${where} has a layer of type ${layer.mediaType}, which is not a container image layer`)
    }
  }
  return manifest
}

function checkConfig(config: ImageConfig, manifest: ImageManifest, where: string, wanted: PlatformSpec, warnings: string[]): void {
  if (typeof config !== 'object' || config === null) throw new RegistryError('invalid-response', `config ${manifest.config.digest} of ${where} is not a JSON object`)
  const diffIds = config.rootfs?.diff_ids
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) {
    throw new RegistryError('invalid-response', `config ${manifest.config.digest} of ${where} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff_ids for ${manifest.layers.length} layers`)
  }
  if (typeof config.os === 'string' && typeof config.architecture === 'string') {
    const variant = typeof config.variant === 'string' ? config.variant : undefined
    const actual = formatPlatform(normalizePlatform({ os: config.os, architecture: config.architecture, ...(variant ? { variant } : {}) }))
    if (actual !== formatPlatform(wanted)) warnings.push(`the image's platform (${actual}) does not match the requested platform (${formatPlatform(wanted)})`)
  }
}

function blobFailure(error: unknown, d: Descriptor, where: string): unknown {
  if (error instanceof StoreError && (error.code === 'digest-mismatch' || error.code === 'size-mismatch')) {
    return new RegistryError('digest-mismatch', `blob ${d.digest} from ${where} is not what the manifest says (${error.message}); refused`, { cause: error })
  }
  if (error instanceof StoreError || error instanceof RegistryError || (error instanceof Error && error.name === 'AbortError')) return error
  const reason = (error as { cause?: { message?: unknown } }).cause?.message ?? (error instanceof Error ? error.message : String(error))
  return new RegistryError('unreachable', `download of blob ${d.digest} from ${where} failed: ${String(reason)}`, { cause: error })
}
