import { createHash } from 'node:crypto'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FileContent, PreparedEntry, TarHeader } from '../layers'
import { decompressedLayer, encodeTar } from '../layers'
import type { Descriptor, Digest, ImageIndex, ImageManifest, ResolvedImage, Store } from '../store'
import { Annotation, MediaType, digestHex, familiarName, familiarReference, parseImageReference, resolveImage } from '../store'
import { ImageIoError } from './errors'
import { layerSizes, type TarMeasure } from './layer-sizes'

export interface SavedImage {
  /** As they appear in manifest.json RepoTags: `app:1`. */
  tags: string[]
  configDigest: Digest
  layers: number
}

export interface SaveResult {
  images: SavedImage[]
  /** Bytes of archive written. */
  bytes: number
}

export interface SaveOptions {
  /** End `out` when done (default true; false for process.stdout). */
  end?: boolean
}

interface ImageToSave {
  resolved: ResolvedImage
  configBytes: Buffer
  diffIds: Digest[]
  /** Full references, in the order asked for. */
  references: string[]
}

const GZIP_TYPES = new Set<string>([MediaType.layerTarGzip, MediaType.dockerLayerTarGzip])
const PLAIN_TYPES = new Set<string>([MediaType.layerTar, 'application/vnd.docker.image.rootfs.diff.tar'])

/**
 * Writes images as a tar that `docker load` accepts, old (graphdriver, manifest.json) and new
 * (containerd, index.json) alike: the portable recipe of engine-reference §6.4. Layers are
 * stored gzip-compressed but written uncompressed, named by diffID: each is gunzipped as it
 * streams into the archive, and its diffID checked on the way. A tar header needs the size
 * first, so each layer's uncompressed size comes from the layer-size cache, or from one
 * measuring pass that also verifies the diffID before anything is written (and fills the cache).
 */
export async function saveDockerArchive(store: Store, refs: string[], out: Writable, options: SaveOptions = {}): Promise<SaveResult> {
  if (refs.length === 0) throw new ImageIoError('invalid-argument', 'no image to save')
  const images = await collectImages(store, refs)
  const sizes = new Map<string, { layer: Descriptor; measure: TarMeasure }>()
  for (const image of images) {
    for (const [i, layer] of image.resolved.manifest.layers.entries()) {
      const diffId = image.diffIds[i] as Digest
      if (!sizes.has(diffId)) sizes.set(diffId, { layer, measure: await layerSizes(store, layer, diffId) })
    }
  }

  let bytes = 0
  const counted = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of encodeTar(archiveEntries(store, images, sizes))) {
      bytes += chunk.length
      yield chunk
    }
  }
  await pipeline(counted(), out, { end: options.end ?? true })
  return {
    bytes,
    images: images.map((image) => ({
      tags: image.references.map(repoTag),
      configDigest: image.resolved.manifest.config.digest as Digest,
      layers: image.diffIds.length,
    })),
  }
}

/** Resolves every reference first (a typo fails before a byte is written); one entry per image ID. */
async function collectImages(store: Store, refs: string[]): Promise<ImageToSave[]> {
  const byConfig = new Map<string, ImageToSave>()
  for (const ref of refs) {
    const resolved = await resolveImage(store, ref)
    const key = resolved.manifest.config.digest
    let image = byConfig.get(key)
    if (!image) {
      const configBytes = await store.readBlob(key)
      const diffIds = (resolved.config.rootfs?.diff_ids ?? []) as Digest[]
      if (diffIds.length !== resolved.manifest.layers.length) {
        throw new ImageIoError('invalid-archive', `${ref}: the manifest has ${resolved.manifest.layers.length} layers but the config lists ${diffIds.length} diff_ids`)
      }
      for (const layer of resolved.manifest.layers) {
        if (!GZIP_TYPES.has(layer.mediaType) && !PLAIN_TYPES.has(layer.mediaType)) {
          throw new ImageIoError('unsupported', `${ref}: layer ${layer.digest} has media type ${layer.mediaType}; only gzip and uncompressed layers can be saved`)
        }
      }
      image = { resolved, configBytes, diffIds, references: [] }
      byConfig.set(key, image)
    }
    if (resolved.reference !== undefined && !image.references.includes(resolved.reference)) image.references.push(resolved.reference)
  }
  return [...byConfig.values()]
}

function* archiveEntries(store: Store, images: ImageToSave[], sizes: Map<string, { layer: Descriptor; measure: TarMeasure }>): Generator<PreparedEntry> {
  yield dir('blobs/')
  yield dir('blobs/sha256/')
  for (const [diffId, { layer, measure }] of sizes) {
    yield file(blobPath(diffId), measure.tarSize, { from: 'stream', open: () => verifiedTar(store, layer, measure) })
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] }
  const manifestJson: { Config: string; RepoTags: string[]; Layers: string[] }[] = []
  const repositories: Record<string, Record<string, string>> = {}
  for (const image of images) {
    const { config } = image.resolved.manifest
    yield bytesEntry(blobPath(config.digest), image.configBytes)
    // The archive's own manifest lists the layers as they are in the archive: uncompressed.
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: image.diffIds.map((id) => ({ mediaType: MediaType.layerTar, digest: id, size: sizes.get(id)?.measure.tarSize ?? 0 })),
    }
    const manifestBytes = Buffer.from(JSON.stringify(manifest))
    const manifestDigest: Digest = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`
    yield bytesEntry(blobPath(manifestDigest), manifestBytes)
    const descriptor: Descriptor = { mediaType: MediaType.imageManifest, digest: manifestDigest, size: manifestBytes.length }
    if (image.references.length === 0) index.manifests.push(descriptor)
    for (const reference of image.references) {
      const ref = parseImageReference(reference)
      index.manifests.push({ ...descriptor, annotations: { [Annotation.containerdName]: reference, [Annotation.refName]: ref.tag ?? 'latest' } })
      const top = image.diffIds.at(-1)
      if (top !== undefined) (repositories[familiarName(ref)] ??= {})[ref.tag ?? 'latest'] = digestHex(top)
    }
    manifestJson.push({ Config: blobPath(config.digest), RepoTags: image.references.map(repoTag), Layers: image.diffIds.map(blobPath) })
  }
  yield bytesEntry('index.json', Buffer.from(JSON.stringify(index)))
  yield bytesEntry('manifest.json', Buffer.from(JSON.stringify(manifestJson)))
  yield bytesEntry('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })))
  yield bytesEntry('repositories', Buffer.from(JSON.stringify(repositories)))
}

/**
 * The layer's uncompressed bytes, checked as they pass: more bytes than the header declared,
 * fewer, or a different diffID fails the save (the archive is then incomplete, never wrong).
 */
async function* verifiedTar(store: Store, layer: Descriptor, expected: TarMeasure): AsyncGenerator<Buffer> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of await decompressedLayer(await store.openBlob(layer.digest))) {
    size += chunk.length
    if (size > expected.tarSize) break
    hash.update(chunk)
    yield chunk
  }
  const diffId = `sha256:${hash.digest('hex')}`
  if (size !== expected.tarSize || diffId !== expected.diffId) {
    throw new ImageIoError(
      'digest-mismatch',
      `layer ${layer.digest} changed or is corrupt: expected ${expected.tarSize} bytes with diffID ${expected.diffId}, ` +
        (size > expected.tarSize ? 'got more bytes' : `got ${size} bytes with diffID ${diffId}`),
    )
  }
}

/** `docker.io/library/app:1` → `app:1`, the form RepoTags and `docker load` output use. */
function repoTag(reference: string): string {
  return familiarReference(parseImageReference(reference))
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`
}

// Fixed metadata (root, mode, epoch mtime) so the same images always give the same archive.
const NO_KEY = Buffer.alloc(0)
const base = { uid: 0, gid: 0, mtime: 0 }

function dir(name: string): PreparedEntry {
  return { key: NO_KEY, header: { ...base, name, type: 'dir', mode: 0o755, size: 0 } }
}

function file(name: string, size: number, content: FileContent): PreparedEntry {
  const header: TarHeader = { ...base, name, type: 'file', mode: 0o644, size }
  return { key: NO_KEY, header, content }
}

function bytesEntry(name: string, bytes: Buffer): PreparedEntry {
  return file(name, bytes.length, { from: 'bytes', bytes })
}
