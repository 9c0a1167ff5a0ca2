import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Store } from '../store'
import { decompressedLayer } from '../layers'
import { StagedArchive, type StagingOptions } from './archive-staging'
import { readDockerArchive } from './docker-archive-reader'
import { ImageIoError } from './errors'
import { writeImages, type LoadedImage, type PreparedImage } from './image-writer'
import { DirectorySource, type ImportSource } from './import-source'
import { readOciLayout } from './oci-import'

export interface LoadResult {
  format: 'docker-archive' | 'oci-layout'
  images: LoadedImage[]
}

export interface LoadOptions extends StagingOptions {
  /** Names the input in messages when it is a stream (default "the archive"). */
  label?: string
}

/**
 * Loads images into the store from a docker-archive (`docker save`) or an OCI image layout:
 * a directory, a tar file (plain or gzip-compressed), or a stream of such a tar. Configs keep
 * their exact bytes (so image IDs stay Docker's), layers are stored gzip-compressed, every
 * digest and diffID is checked, and tags are written only once the whole input checked out.
 */
export async function loadImages(store: Store, input: string | AsyncIterable<Uint8Array>, options: LoadOptions = {}): Promise<LoadResult> {
  let source: ImportSource
  if (typeof input === 'string') {
    const stats = await stat(input).catch((error: unknown) => {
      if (['ENOENT', 'ENOTDIR'].includes(String((error as { code?: unknown }).code))) throw new ImageIoError('not-found', `${input}: no such file or directory`)
      throw error
    })
    source = stats.isDirectory()
      ? await DirectorySource.open(store, input)
      : await stage(store, createReadStream(input, { highWaterMark: 1 << 20 }), { ...options, label: options.label ?? input })
  } else {
    source = await stage(store, input, options)
  }
  let format: LoadResult['format']
  let images: PreparedImage[]
  if (await source.has('manifest.json')) {
    format = 'docker-archive'
    images = await readDockerArchive(source)
  } else if (await source.has('index.json')) {
    format = 'oci-layout'
    images = await readOciLayout(source)
  } else {
    throw new ImageIoError('invalid-archive', `${source.label} is neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)`)
  }
  if (images.length === 0) throw new ImageIoError('invalid-archive', `${source.label} contains no image`)
  return { format, images: await writeImages(store, images) }
}

async function stage(store: Store, stream: AsyncIterable<Uint8Array>, options: LoadOptions): Promise<StagedArchive> {
  const label = options.label ?? 'the archive'
  let tar: AsyncIterable<Uint8Array>
  try {
    // `docker save | gzip` output is common; decompressedLayer passes plain tar through.
    tar = await decompressedLayer(stream)
  } catch (error) {
    throw new ImageIoError('unsupported', `${label}: ${(error as Error).message}`)
  }
  return StagedArchive.read(store, tar, label, options)
}
