import { copyFile, link, mkdir, readFile, readdir, rename, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import type { Descriptor, ImageIndex, Store } from '../store'
import { Annotation, MediaType, OCI_LAYOUT, digestHex, parseImageReference, resolveImage, writeJsonAtomic } from '../store'
import { ImageIoError } from './errors'

export interface ExportOciOptions {
  /**
   * The layout's name for the image, `org.opencontainers.image.ref.name`: what
   * `skopeo copy oci:DIR:<name>` asks for. Default: the reference's tag (`latest` for `app`).
   */
  refName?: string
}

export interface ExportOciResult {
  dir: string
  refName: string
  manifest: Descriptor
  /** Blobs hard-linked from the store (same filesystem) and copied (otherwise). */
  linked: number
  copied: number
}

/**
 * Writes one image as an OCI image layout directory (skopeo, containerd, crane, umoci read it).
 * Blobs are the store's own, byte for byte: the gzip layers, config and manifest keep their
 * digests, so they are hard-linked when the directory is on the store's filesystem and copied
 * otherwise. A hard link shares the file with the store: editing a blob in place in the export
 * would corrupt the store too (blobs are never edited in place by OCI tools). An existing layout
 * gains the image (a previous image of the same name is replaced); any other non-empty
 * directory is refused.
 */
export async function exportOciLayout(store: Store, ref: string, dir: string, options: ExportOciOptions = {}): Promise<ExportOciResult> {
  const image = await resolveImage(store, ref)
  const refName = options.refName ?? (image.reference ? parseImageReference(image.reference).tag : undefined) ?? 'latest'
  if (!/^[A-Za-z0-9_.:/@+-]+$/.test(refName)) throw new ImageIoError('invalid-argument', `invalid OCI ref name ${JSON.stringify(refName)}`)
  const index = await prepareDirectory(dir)

  const manifest = image.manifestDescriptor
  const blobs = [manifest, image.manifest.config, ...image.manifest.layers]
  const blobsDir = path.join(dir, 'blobs', 'sha256')
  await mkdir(blobsDir, { recursive: true })
  let linked = 0
  let copied = 0
  for (const blob of blobs) {
    const how = await placeBlob(store, blob, path.join(blobsDir, digestHex(blob.digest)))
    if (how === 'linked') linked++
    else if (how === 'copied') copied++
  }

  const entry: Descriptor = { mediaType: manifest.mediaType || MediaType.imageManifest, digest: manifest.digest, size: manifest.size }
  const { os, architecture } = image.config
  if (typeof os === 'string' && typeof architecture === 'string') entry.platform = { os, architecture }
  entry.annotations = { [Annotation.refName]: refName }
  if (image.reference) entry.annotations[Annotation.containerdName] = image.reference
  index.manifests = index.manifests.filter((d) => d.annotations?.[Annotation.refName] !== refName)
  index.manifests.push(entry)
  // Blobs first, then the files that point at them: a crash leaves extra blobs, never a dangling name.
  await writeJsonAtomic(path.join(dir, 'oci-layout'), OCI_LAYOUT)
  await writeJsonAtomic(path.join(dir, 'index.json'), index)
  return { dir, refName, manifest: entry, linked, copied }
}

/** The directory's current index: empty for a new or empty directory, refused for anything else. */
async function prepareDirectory(dir: string): Promise<ImageIndex> {
  const empty: ImageIndex = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] }
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error
    await mkdir(dir, { recursive: true })
    return empty
  }
  if (names.length === 0) return empty
  if (!names.includes('oci-layout')) {
    throw new ImageIoError('invalid-argument', `${dir} is not empty and is not an OCI image layout; choose an empty or new directory`)
  }
  try {
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as ImageIndex
    if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) throw new Error('not an image index')
    return index
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return empty
    throw new ImageIoError('invalid-argument', `${dir}/index.json cannot be read: ${(error as Error).message}`)
  }
}

/** Puts one blob in place: kept if already there at the right size, else linked, else copied. */
async function placeBlob(store: Store, blob: Descriptor, target: string): Promise<'kept' | 'linked' | 'copied'> {
  const existing = await stat(target).catch(() => undefined)
  if (existing?.isFile() && existing.size === blob.size) return 'kept'
  const source = store.blobPath(blob.digest)
  const actual = await store.blobSize(blob.digest)
  if (actual !== blob.size) throw new ImageIoError('digest-mismatch', `blob ${blob.digest} in the store has ${actual} bytes, its descriptor says ${blob.size}`)
  const temp = `${target}.${process.pid}.tmp`
  await unlink(temp).catch(() => undefined)
  let how: 'linked' | 'copied' = 'linked'
  try {
    await link(source, temp)
  } catch (error) {
    if (!['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP'].includes(String((error as { code?: unknown }).code))) throw error
    await copyFile(source, temp)
    how = 'copied'
  }
  try {
    await rename(temp, target)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
  return how
}
