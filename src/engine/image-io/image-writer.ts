import type { Descriptor, Digest, ImageConfig, ImageManifest, Store } from '../store'
import { MediaType, familiarReference, formatReference, isDigest, parseImageReference, tagImage, updateIndex } from '../store'
import { ImageIoError } from './errors'
import type { StoredLayer } from './layer-ingest'

/** An image read from an archive and checked, with every layer already in the store. */
export interface PreparedImage {
  /** The config exactly as it was in the archive: its digest is Docker's image ID. */
  configBytes: Buffer
  layers: StoredLayer[]
  /** Full references (`docker.io/library/app:1`). */
  tags: string[]
  annotations?: Record<string, string>
}

export interface LoadedImage {
  /** As `docker load` prints them: `app:1`. */
  tags: string[]
  configDigest: Digest
  manifestDigest: Digest
  layers: number
}

/** Largest config or manifest accepted; Docker's own limit for configs is 8 MiB. */
export const MAX_JSON_BYTES = 16 << 20

/** A config parsed just enough to trust its diff_ids. */
export function parseConfig(bytes: Buffer, where: string): ImageConfig & { rootfs: { type: string; diff_ids: Digest[] } } {
  let config: unknown
  try {
    config = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new ImageIoError('invalid-archive', `${where}: the image config is not JSON`)
  }
  const rootfs = (config as ImageConfig | null)?.rootfs
  if (typeof config !== 'object' || config === null || !rootfs || !Array.isArray(rootfs.diff_ids)) {
    throw new ImageIoError('invalid-archive', `${where}: the image config has no rootfs.diff_ids`)
  }
  rootfs.diff_ids.forEach((id, i) => {
    if (!isDigest(id)) throw new ImageIoError('invalid-archive', `${where}: rootfs.diff_ids[${i}] ${JSON.stringify(id)} is not a sha256 digest`)
  })
  return config as ImageConfig & { rootfs: { type: string; diff_ids: Digest[] } }
}

/** `name:tag` as `docker load` insists on (a digest or a bare name is refused), normalized. */
export function parseRepoTag(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ImageIoError('invalid-archive', `${where}: a tag is not a string`)
  let ref
  try {
    ref = parseImageReference(value, { defaultTag: false })
  } catch (error) {
    throw new ImageIoError('invalid-archive', `${where}: ${(error as Error).message}`)
  }
  if (ref.tag === undefined || ref.digest !== undefined) throw new ImageIoError('invalid-archive', `${where}: invalid tag ${JSON.stringify(value)}: expected name:tag`)
  return formatReference(ref)
}

/**
 * Writes config and manifest blobs, then points the tags at them. Called only once every image
 * of the archive has been read and checked, so a refused archive leaves no tag behind (the
 * layers it brought in are unreferenced blobs, which prune removes).
 */
export async function writeImages(store: Store, images: PreparedImage[]): Promise<LoadedImage[]> {
  const loaded: LoadedImage[] = []
  for (const image of images) {
    const configBlob = await store.putBlob(image.configBytes)
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: { mediaType: MediaType.imageConfig, digest: configBlob.digest, size: configBlob.size },
      layers: image.layers.map((l) => ({ mediaType: MediaType.layerTarGzip, digest: l.blob.digest, size: l.blob.size })),
    }
    if (image.annotations && Object.keys(image.annotations).length > 0) manifest.annotations = image.annotations
    const manifestBlob = await store.putBlob(JSON.stringify(manifest))
    const descriptor: Descriptor = { mediaType: MediaType.imageManifest, digest: manifestBlob.digest, size: manifestBlob.size }
    if (image.tags.length > 0) await tagImage(store, descriptor, image.tags)
    else await keepUntagged(store, descriptor)
    loaded.push({
      tags: image.tags.map((t) => familiarReference(parseImageReference(t))),
      configDigest: configBlob.digest,
      manifestDigest: manifestBlob.digest,
      layers: image.layers.length,
    })
  }
  return loaded
}

/**
 * An untagged image still gets an index.json entry (without a name, like Docker's dangling
 * images): prune keeps only what index.json reaches, and the image can be named by digest.
 */
async function keepUntagged(store: Store, descriptor: Descriptor): Promise<void> {
  await updateIndex(store, (index) => {
    if (!index.manifests.some((d) => d.digest === descriptor.digest)) index.manifests.push(descriptor)
  })
}

/** The layer a member holds, or why it cannot be one. */
export function requireLayer(blob: { layer?: StoredLayer; notLayer?: string; compression: string }, where: string): StoredLayer {
  if (blob.layer) return blob.layer
  const code = blob.compression === 'none' || blob.compression === 'gzip' ? 'invalid-archive' : 'unsupported'
  throw new ImageIoError(code, `${where} cannot be a layer: ${blob.notLayer ?? 'unknown format'}`)
}

/** Refuses an image whose layer list and config disagree, before any layer is read. */
export function checkLayerCount(layers: number, diffIds: number, where: string): void {
  if (layers !== diffIds) {
    throw new ImageIoError('invalid-archive', `${where}: the manifest lists ${layers} layers but the config's rootfs.diff_ids has ${diffIds}`)
  }
}

export function checkDiffId(layer: StoredLayer, expected: string, where: string): void {
  if (layer.diffId !== expected) {
    throw new ImageIoError('digest-mismatch', `${where}: its content hashes to ${layer.diffId}, but the image config lists diffID ${expected}`)
  }
}
