import { isDigest } from './digest'
import { StoreError } from './store-errors'

export const MediaType = {
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTarZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const

export const Annotation = {
  /** The OCI tag name: what `skopeo copy oci:DIR:<tag>` looks up. */
  refName: 'org.opencontainers.image.ref.name',
  /** The full normalized reference; Layerlab's key for a tag in index.json. */
  layerlabName: 'io.layerlab.image.name',
  /** The same full reference under the name containerd and Docker's image store import. */
  containerdName: 'io.containerd.image.name',
} as const

export interface Platform {
  architecture: string
  os: string
  variant?: string
  'os.version'?: string
  'os.features'?: string[]
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: Platform
  urls?: string[]
  artifactType?: string
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
  subject?: Descriptor
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

/** The parts of an image config the store looks at; everything else is carried through. */
export interface ImageConfig {
  created?: string
  architecture?: string
  os?: string
  rootfs?: { type: string; diff_ids: string[] }
  [field: string]: unknown
}

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] }
}

const INDEX_TYPES = new Set<string>([MediaType.imageIndex, MediaType.dockerManifestList])
const MANIFEST_TYPES = new Set<string>([MediaType.imageManifest, MediaType.dockerManifest])

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_TYPES.has(mediaType)
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && MANIFEST_TYPES.has(mediaType)
}

/** Descriptors come from files on disk: check them before a digest in them is trusted. */
export function asDescriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null
  if (typeof d !== 'object' || d === null) throw corrupt(where, 'a descriptor is not an object')
  if (typeof d.mediaType !== 'string') throw corrupt(where, 'a descriptor has no mediaType')
  if (!isDigest(d.digest)) throw corrupt(where, `a descriptor has an invalid digest ${JSON.stringify(d.digest)}`)
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw corrupt(where, `descriptor ${d.digest} has an invalid size`)
  }
  if (d.annotations !== undefined && (typeof d.annotations !== 'object' || d.annotations === null)) {
    throw corrupt(where, `descriptor ${d.digest} has invalid annotations`)
  }
  return d as Descriptor
}

export function asIndex(value: unknown, where: string): ImageIndex {
  const index = value as Partial<ImageIndex> | null
  if (typeof index !== 'object' || index === null || index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
    throw corrupt(where, 'not an OCI image index (schemaVersion 2 with manifests)')
  }
  index.manifests.forEach((m, i) => asDescriptor(m, `${where} manifests[${i}]`))
  return index as ImageIndex
}

export function asManifest(value: unknown, where: string): ImageManifest {
  const manifest = value as Partial<ImageManifest> | null
  if (typeof manifest !== 'object' || manifest === null || manifest.schemaVersion !== 2 || !Array.isArray(manifest.layers)) {
    throw corrupt(where, 'not an image manifest (schemaVersion 2 with config and layers)')
  }
  asDescriptor(manifest.config, `${where} config`)
  manifest.layers.forEach((l, i) => asDescriptor(l, `${where} layers[${i}]`))
  return manifest as ImageManifest
}

/** Manifests may omit mediaType; what they contain tells an index from an image manifest. */
export function isIndexDocument(value: unknown): boolean {
  const doc = value as { mediaType?: unknown; manifests?: unknown; layers?: unknown } | null
  if (typeof doc !== 'object' || doc === null) return false
  if (typeof doc.mediaType === 'string') return isIndexMediaType(doc.mediaType)
  return Array.isArray(doc.manifests) && !Array.isArray(doc.layers)
}

function corrupt(where: string, what: string): StoreError {
  return new StoreError('corrupt', `${where}: ${what}`)
}
