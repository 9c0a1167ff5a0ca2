import { assertDigest, isDigest } from './digest'
import { familiarReference, formatReference, parseImageReference, parseTagReference } from './image-refs'
import { readIndex, updateIndex } from './oci-layout'
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './oci-types'
import { Annotation, MediaType, asDescriptor, asIndex, asManifest, isIndexDocument } from './oci-types'
import type { Store } from './store'
import { StoreError } from './store-errors'

export interface LayerInput {
  digest: string
  size: number
  /** Defaults to gzip-compressed OCI layer tar. */
  mediaType?: string
  annotations?: Record<string, string>
}

export interface PutImageInput {
  /** The config, or its exact JSON bytes when they must match another writer's (BuildKit's). */
  config: ImageConfig | string
  layers: LayerInput[]
  /** References to point at the new manifest, normalized like Docker (`app` → `docker.io/library/app:latest`). */
  tags?: string[]
  annotations?: Record<string, string>
}

export interface PutImageResult {
  manifest: Descriptor
  config: Descriptor
  /** The tags as normalized and stored. */
  tags: string[]
}

export interface ResolvedImage {
  /** The full reference it was found by, when found by tag. */
  reference?: string
  /** The index.json entry or blob that was resolved: a manifest, or an index for multi-platform images. */
  descriptor: Descriptor
  /** The image manifest; for an index, the one chosen for the platform. */
  manifestDescriptor: Descriptor
  manifest: ImageManifest
  config: ImageConfig
}

export interface ImageSummary {
  /** Full reference, e.g. `docker.io/library/app:latest`; absent for entries other tools left untagged. */
  reference?: string
  /** As `docker images` would show it: `app:latest`. */
  familiar?: string
  /** The manifest (or index) digest: the image's ID in Docker's containerd store. */
  digest: string
  configDigest?: string
  /** Config plus layer blobs, as stored (compressed). */
  size: number
  created?: string
  layers: number
  /** Why the image could not be read, if it could not; size is then the descriptor's. */
  error?: string
}

/**
 * Writes config and manifest blobs for layers already in the store, then tags the manifest.
 * Layers are checked first (present, right size) so no manifest ever points at nothing.
 */
export async function putImage(store: Store, input: PutImageInput): Promise<PutImageResult> {
  const tags = (input.tags ?? []).map((tag) => formatReference(parseTagReference(tag)))
  const layers = await Promise.all(input.layers.map((layer, i) => layerDescriptor(store, layer, i)))
  const configObject = typeof input.config === 'string' ? (JSON.parse(input.config) as ImageConfig) : input.config
  const diffIds = configObject.rootfs?.diff_ids
  if (diffIds !== undefined && diffIds.length !== layers.length) {
    throw new StoreError('invalid-argument', `the config lists ${diffIds.length} diff_ids but the image has ${layers.length} layers`)
  }
  const configBlob = await store.putBlob(typeof input.config === 'string' ? input.config : JSON.stringify(input.config))
  const config: Descriptor = { mediaType: MediaType.imageConfig, digest: configBlob.digest, size: configBlob.size }
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers }
  if (input.annotations && Object.keys(input.annotations).length > 0) manifest.annotations = input.annotations
  const manifestBlob = await store.putBlob(JSON.stringify(manifest))
  const descriptor: Descriptor = { mediaType: MediaType.imageManifest, digest: manifestBlob.digest, size: manifestBlob.size }
  return { manifest: descriptor, config, tags: await tagImage(store, descriptor, tags) }
}

/**
 * Points each reference at `target` (a manifest or index already in the store), replacing
 * whatever it pointed at before. One index.json entry per tag, as Docker and containerd write.
 */
export async function tagImage(store: Store, target: Descriptor, references: string[]): Promise<string[]> {
  let descriptor: Descriptor
  try {
    descriptor = asDescriptor(target, 'tag target')
  } catch (error) {
    throw new StoreError('invalid-argument', error instanceof Error ? error.message : String(error))
  }
  if (!(await store.hasBlob(descriptor.digest))) throw new StoreError('not-found', `manifest ${descriptor.digest} is not in the store`)
  const refs = references.map((r) => parseTagReference(r))
  if (refs.length === 0) return []
  await updateIndex(store, (index) => {
    for (const ref of refs) {
      const full = formatReference(ref)
      const entry: Descriptor = {
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        ...(descriptor.platform ? { platform: descriptor.platform } : {}),
        annotations: { [Annotation.refName]: ref.tag, [Annotation.containerdName]: full, [Annotation.layerlabName]: full },
      }
      // A moved tag keeps its place in the file; a new one goes at the end.
      let placed = false
      index.manifests = index.manifests.flatMap((d) => {
        if (entryReference(d) !== full) return [d]
        if (placed) return []
        placed = true
        return [entry]
      })
      if (!placed) index.manifests.push(entry)
    }
  })
  return refs.map(formatReference)
}

/** Removes a tag. The blobs stay until prune finds them unreferenced. */
export async function untag(store: Store, reference: string): Promise<boolean> {
  const full = formatReference(parseTagReference(reference))
  return updateIndex(store, (index) => {
    const before = index.manifests.length
    index.manifests = index.manifests.filter((d) => entryReference(d) !== full)
    return index.manifests.length !== before
  })
}

/**
 * Finds an image by tag (`app`, `app:1`), by `name@sha256:…`, or by bare manifest digest
 * (`sha256:…` or its 64 hex digits), and reads its manifest and config.
 */
export async function resolveImage(store: Store, reference: string, options: { platform?: Partial<Platform> } = {}): Promise<ResolvedImage> {
  const index = await readIndex(store)
  const bare = /^[a-f0-9]{64}$/.test(reference) ? `sha256:${reference}` : isDigest(reference) ? reference : undefined
  let descriptor: Descriptor | undefined
  let found: string | undefined
  let shown = reference
  if (bare !== undefined) {
    descriptor = index.manifests.find((d) => d.digest === bare) ?? (await descriptorFromBlob(store, bare))
  } else {
    const ref = parseImageReference(reference)
    shown = familiarReference(ref)
    if (ref.digest !== undefined) {
      // Docker ignores the tag of `name:tag@digest`: the digest is the identity.
      if (isDigest(ref.digest)) descriptor = index.manifests.find((d) => d.digest === ref.digest) ?? (await descriptorFromBlob(store, ref.digest))
    } else {
      found = formatReference(ref)
      descriptor = index.manifests.find((d) => entryReference(d) === found)
    }
  }
  if (descriptor === undefined) throw new StoreError('not-found', `no such image: ${shown}`)
  const image = await loadImage(store, descriptor, options.platform)
  return found === undefined ? image : { reference: found, ...image }
}

/** Every tagged image in index.json, newest first. */
export async function listImages(store: Store): Promise<ImageSummary[]> {
  const index = await readIndex(store)
  const loaded = new Map<string, Promise<Omit<ResolvedImage, 'reference'>>>()
  const summaries = await Promise.all(
    index.manifests.map(async (d): Promise<ImageSummary> => {
      const reference = entryReference(d)
      const summary: ImageSummary = { digest: d.digest, size: d.size, layers: 0 }
      if (reference !== undefined) {
        summary.reference = reference
        summary.familiar = familiarFromFull(reference)
      }
      let image = loaded.get(d.digest)
      if (!image) loaded.set(d.digest, (image = loadImage(store, d)))
      try {
        const { manifest, config } = await image
        summary.configDigest = manifest.config.digest
        summary.size = manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0)
        summary.layers = manifest.layers.length
        if (typeof config.created === 'string') summary.created = config.created
      } catch (error) {
        summary.error = error instanceof Error ? error.message : String(error)
      }
      return summary
    }),
  )
  return summaries.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (a.reference ?? '').localeCompare(b.reference ?? ''))
}

/** The full reference an index.json entry names, from our annotation or containerd's. */
export function entryReference(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[Annotation.layerlabName] ?? descriptor.annotations?.[Annotation.containerdName]
}

async function loadImage(store: Store, descriptor: Descriptor, platform?: Partial<Platform>): Promise<Omit<ResolvedImage, 'reference'>> {
  let manifestDescriptor = descriptor
  let document = await store.readJson<unknown>(descriptor.digest)
  if (isIndexDocument(document)) {
    const child = choosePlatform(asIndex(document, `index ${descriptor.digest}`), platform)
    if (!child) throw new StoreError('not-found', `image index ${descriptor.digest} has no manifest for ${platformName(platform)}`)
    manifestDescriptor = child
    document = await store.readJson<unknown>(child.digest)
  }
  const manifest = asManifest(document, `manifest ${manifestDescriptor.digest}`)
  const config = await store.readJson<ImageConfig>(manifest.config.digest)
  if (typeof config !== 'object' || config === null) throw new StoreError('corrupt', `config ${manifest.config.digest} is not an object`)
  return { descriptor, manifestDescriptor, manifest, config }
}

function choosePlatform(index: ImageIndex, wanted: Partial<Platform> = {}): Descriptor | undefined {
  const os = wanted.os ?? 'linux'
  const architecture = wanted.architecture ?? hostArchitecture()
  const candidates = index.manifests.filter((m) => !m.platform || (m.platform.os === os && m.platform.architecture === architecture))
  return candidates.find((m) => wanted.variant === undefined || m.platform?.variant === wanted.variant) ?? candidates[0]
}

function platformName(p: Partial<Platform> = {}): string {
  return `${p.os ?? 'linux'}/${p.architecture ?? hostArchitecture()}${p.variant ? `/${p.variant}` : ''}`
}

/** Go's GOARCH names, which image platforms use. */
export function hostArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }
  return names[arch] ?? arch
}

/** A manifest stored without a tag (pulled by digest, or untagged) can still be named by digest. */
async function descriptorFromBlob(store: Store, digest: string): Promise<Descriptor | undefined> {
  if (!(await store.hasBlob(digest))) return undefined
  const size = await store.blobSize(digest)
  if (size > 4 << 20) return undefined
  try {
    const document = await store.readJson<{ mediaType?: unknown; manifests?: unknown; layers?: unknown }>(digest)
    // Configs and other JSON blobs have digests too; only a manifest or an index is an image.
    if (isIndexDocument(document)) return { mediaType: MediaType.imageIndex, digest, size }
    if (!Array.isArray(document.layers)) return undefined
    return { mediaType: typeof document.mediaType === 'string' ? document.mediaType : MediaType.imageManifest, digest, size }
  } catch {
    return undefined
  }
}

async function layerDescriptor(store: Store, layer: LayerInput, i: number): Promise<Descriptor> {
  const digest = assertDigest(layer.digest, `layer ${i} digest`)
  if (!(await store.hasBlob(digest))) throw new StoreError('not-found', `layer ${i} (${digest}) is not in the store`)
  const size = await store.blobSize(digest)
  if (size !== layer.size) throw new StoreError('size-mismatch', `layer ${i} (${digest}) has ${size} bytes, not ${layer.size}`)
  const descriptor: Descriptor = { mediaType: layer.mediaType ?? MediaType.layerTarGzip, digest, size }
  if (layer.annotations && Object.keys(layer.annotations).length > 0) descriptor.annotations = layer.annotations
  return descriptor
}

function familiarFromFull(reference: string): string {
  try {
    return familiarReference(parseImageReference(reference))
  } catch {
    return reference
  }
}
