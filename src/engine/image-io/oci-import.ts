import type { Descriptor } from '../store'
import { Annotation, MediaType, hostArchitecture, isDigest } from '../store'
import { blobName } from './archive-names'
import { ImageIoError } from './errors'
import type { PreparedImage } from './image-writer'
import { MAX_JSON_BYTES, checkDiffId, checkLayerCount, parseConfig, parseRepoTag, requireLayer } from './image-writer'
import type { ImportSource } from './import-source'
import type { StoredLayer } from './layer-ingest'

const INDEX_TYPES = new Set<string>([MediaType.imageIndex, MediaType.dockerManifestList])
const MANIFEST_TYPES = new Set<string>([MediaType.imageManifest, MediaType.dockerManifest])
const LAYER_TYPES = new Set<string>([
  MediaType.layerTar,
  MediaType.layerTarGzip,
  MediaType.dockerLayerTarGzip,
  'application/vnd.docker.image.rootfs.diff.tar',
  // Foreign/non-distributable layers load like any other when their blob is in the layout.
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
])

/**
 * Reads an OCI image layout (directory or tar) through index.json. Every blob is checked
 * against its descriptor's digest and size; names come from the containerd annotation, or from
 * `org.opencontainers.image.ref.name` when that is a full `name:tag` (a bare tag names no
 * repository, so such an image loads untagged, as Docker does).
 */
export async function readOciLayout(source: ImportSource): Promise<PreparedImage[]> {
  const layout = await source.readFile('oci-layout', 4096)
  if (layout !== undefined) {
    const version = (parseJson(layout, `${source.label}: oci-layout`) as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion
    if (typeof version !== 'string' || !version.startsWith('1.')) {
      throw new ImageIoError('unsupported', `${source.label}: unsupported OCI layout version ${JSON.stringify(version)}`)
    }
  }
  const indexBytes = await source.readFile('index.json', MAX_JSON_BYTES)
  if (indexBytes === undefined) throw new ImageIoError('invalid-archive', `${source.label} has no index.json`)
  const byManifest = new Map<string, PreparedImage>()
  for (const [i, entry] of descriptors(parseJson(indexBytes, `${source.label}: index.json`), `${source.label}: index.json`).entries()) {
    const where = `${source.label}: index.json manifests[${i}]`
    const tags = tagsFrom(entry.annotations, where)
    let manifest = entry
    if (INDEX_TYPES.has(entry.mediaType)) {
      const nested = descriptors(await readBlob(source, entry, where), `${where} (${entry.digest})`)
      const chosen = choosePlatform(nested)
      if (!chosen) throw new ImageIoError('not-found', `${where}: the image index has no manifest for linux/${hostArchitecture()}`)
      manifest = chosen
    } else if (!MANIFEST_TYPES.has(entry.mediaType)) {
      continue // an artifact or attestation, not an image
    }
    const known = byManifest.get(manifest.digest)
    if (known) known.tags.push(...tags.filter((t) => !known.tags.includes(t)))
    else byManifest.set(manifest.digest, { ...(await readImage(source, manifest, `${source.label}: manifest ${manifest.digest}`)), tags })
  }
  return [...byManifest.values()]
}

async function readImage(source: ImportSource, descriptor: Descriptor, where: string): Promise<PreparedImage> {
  const manifest = parseJson(await readBlob(source, descriptor, where), where) as { schemaVersion?: unknown; config?: unknown; layers?: unknown; annotations?: unknown } | null
  if (manifest?.schemaVersion !== 2 || !Array.isArray(manifest.layers)) throw new ImageIoError('invalid-archive', `${where}: not an image manifest`)
  const [config] = descriptors({ manifests: [manifest.config] }, `${where} config`)
  const layerDescriptors = descriptors({ manifests: manifest.layers }, `${where} layers`)
  if (!config) throw new ImageIoError('invalid-archive', `${where}: no config`)
  const configBytes = await readBlob(source, config, where)
  const diffIds = parseConfig(configBytes, where).rootfs.diff_ids
  checkLayerCount(layerDescriptors.length, diffIds.length, where)
  const layers: StoredLayer[] = []
  for (const [j, descriptor] of layerDescriptors.entries()) {
    const at = `${where}: layer ${j + 1} (${descriptor.digest})`
    if (!LAYER_TYPES.has(descriptor.mediaType)) throw new ImageIoError('unsupported', `${at}: unsupported layer media type ${descriptor.mediaType}`)
    const blob = await source.ingest(blobName(descriptor.digest))
    if (blob === undefined) throw new ImageIoError('invalid-archive', `${at}: the blob is missing from the layout`)
    if (blob.digest !== descriptor.digest) throw new ImageIoError('digest-mismatch', `${at}: the blob hashes to ${blob.digest}`)
    if (blob.size !== descriptor.size) throw new ImageIoError('digest-mismatch', `${at}: the blob has ${blob.size} bytes, the manifest says ${descriptor.size}`)
    const layer = requireLayer(blob, at)
    checkDiffId(layer, diffIds[j] ?? '', at)
    layers.push(layer)
  }
  const annotations = manifest.annotations
  const image: PreparedImage = { configBytes, layers, tags: [] }
  if (typeof annotations === 'object' && annotations !== null) image.annotations = annotations as Record<string, string>
  return image
}

/** A JSON blob checked against its descriptor (the source already checked the name's digest). */
async function readBlob(source: ImportSource, descriptor: Descriptor, where: string): Promise<Buffer> {
  const bytes = await source.readFile(blobName(descriptor.digest), MAX_JSON_BYTES)
  if (bytes === undefined) throw new ImageIoError('invalid-archive', `${where}: blob ${descriptor.digest} is missing from the layout`)
  if (bytes.length !== descriptor.size) {
    throw new ImageIoError('digest-mismatch', `${where}: blob ${descriptor.digest} has ${bytes.length} bytes, its descriptor says ${descriptor.size}`)
  }
  return bytes
}

function descriptors(document: unknown, where: string): Descriptor[] {
  const list = (document as { manifests?: unknown } | null)?.manifests
  if (!Array.isArray(list)) throw new ImageIoError('invalid-archive', `${where}: no list of manifests`)
  return list.map((raw: unknown, i) => {
    const d = raw as Partial<Descriptor> | null
    const ok = typeof d === 'object' && d !== null && typeof d.mediaType === 'string' && isDigest(d.digest) && Number.isSafeInteger(d.size) && (d.size ?? -1) >= 0
    if (!ok) throw new ImageIoError('invalid-archive', `${where}[${i}]: not a valid descriptor (mediaType, sha256 digest, size)`)
    return d as Descriptor
  })
}

function tagsFrom(annotations: Record<string, string> | undefined, where: string): string[] {
  const full = annotations?.[Annotation.containerdName]
  if (typeof full === 'string') return [parseRepoTag(full, where)]
  const refName = annotations?.[Annotation.refName]
  if (typeof refName === 'string' && /[:/]/.test(refName)) return [parseRepoTag(refName, where)]
  return []
}

function choosePlatform(manifests: Descriptor[]): Descriptor | undefined {
  const arch = hostArchitecture()
  const images = manifests.filter((m) => MANIFEST_TYPES.has(m.mediaType))
  return images.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ?? (images.length === 1 ? images[0] : undefined)
}

function parseJson(bytes: Buffer, where: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new ImageIoError('invalid-archive', `${where} is not JSON`)
  }
}
