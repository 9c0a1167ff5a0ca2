/**
 * Fetching a manifest and proving it is the one asked for: by digest, its bytes must hash to
 * that digest; by tag, to the `Docker-Content-Digest` the registry states (when it states a
 * sha256 one). The exact bytes are kept, since the digest that names an image is over them.
 */
import type { Digest } from '../store'
import { MediaType, isDigest, sha256Digest } from '../store'
import type { RegistryClient } from './registry-client'
import { readBytes } from './registry-client'
import { RegistryError } from './registry-errors'

/** What a pull accepts, best first: an index lets the platform be chosen. */
export const MANIFEST_ACCEPT = [MediaType.imageIndex, MediaType.dockerManifestList, MediaType.imageManifest, MediaType.dockerManifest]

/** Schema 1 manifests (signed JSON) went out with Docker 1.10; registries convert on request. */
const SCHEMA1_TYPES = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'])
/** containerd's limit: a manifest is kilobytes, anything near this is not one. */
const MAX_MANIFEST_BYTES = 4 << 20

export interface FetchedManifest {
  bytes: Buffer
  digest: Digest
  mediaType: string
  document: Record<string, unknown>
  isIndex: boolean
}

export async function fetchManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  scopes: readonly string[],
  expected?: { size?: number },
): Promise<FetchedManifest> {
  const where = `${client.endpoint.domain}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`
  if (reference.includes('@') || (reference.includes(':') && !isDigest(reference))) {
    throw new RegistryError('unsupported', `${where}: only sha256 digests can be pulled by digest`)
  }
  const response = await client.fetch(`/v2/${repository}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT.join(', ') }, scopes })
  if (!response.ok) throw await client.failure(response, `manifest ${where}`)
  const bytes = await readBytes(response, MAX_MANIFEST_BYTES)
  const digest = sha256Digest(bytes)

  const stated = response.headers.get('docker-content-digest')
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryError('digest-mismatch', `manifest ${where}: the registry sent content that hashes to ${digest}; refused`)
  }
  if (stated !== null && stated.startsWith('sha256:') && stated !== digest) {
    throw new RegistryError('digest-mismatch', `manifest ${where}: the registry says its digest is ${stated}, but its content hashes to ${digest}; refused`)
  }
  if (expected?.size !== undefined && bytes.length !== expected.size) {
    throw new RegistryError('digest-mismatch', `manifest ${where}: ${bytes.length} bytes where the index says ${expected.size}`)
  }

  let document: unknown
  try {
    document = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new RegistryError('invalid-response', `manifest ${where} is not JSON`)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new RegistryError('invalid-response', `manifest ${where} is not a JSON object`)
  const doc = document as Record<string, unknown>
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType
  if (doc.schemaVersion === 1 || SCHEMA1_TYPES.has(mediaType)) {
    throw new RegistryError('unsupported', `manifest ${where} is a Docker schema 1 manifest, which Layerlab does not read; push the image again with a current Docker`)
  }
  if (doc.schemaVersion !== 2) throw new RegistryError('invalid-response', `manifest ${where} has schemaVersion ${JSON.stringify(doc.schemaVersion)}, not 2`)
  const isIndex = Array.isArray(doc.manifests) && !Array.isArray(doc.layers)
  if (!isIndex && !Array.isArray(doc.layers)) throw new RegistryError('invalid-response', `manifest ${where} is neither an image manifest nor an index`)
  // A registry that leaves the type out (OCI allows it) gets the OCI type; Docker's are kept as sent.
  const known: readonly string[] = isIndex ? [MediaType.imageIndex, MediaType.dockerManifestList] : [MediaType.imageManifest, MediaType.dockerManifest]
  const fallback = isIndex ? MediaType.imageIndex : MediaType.imageManifest
  return { bytes, digest, mediaType: known.includes(mediaType) ? mediaType : fallback, document: doc, isIndex }
}
