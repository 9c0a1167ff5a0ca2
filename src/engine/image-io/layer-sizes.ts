import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { decompressedLayer, readTar } from '../layers'
import type { Descriptor, Digest, Store } from '../store'
import { digestHex, isDigest, writeJsonAtomic } from '../store'
import { ImageIoError } from './errors'

/** What one pass over a layer's uncompressed tar tells. */
export interface TarMeasure {
  /** sha256 of the uncompressed tar. */
  diffId: Digest
  /** Bytes of the uncompressed tar: what a docker-archive member header must declare up front. */
  tarSize: number
  /**
   * What `docker history` shows as SIZE for a layer the daemon unpacked (pulled, loaded,
   * imported): regular-file bytes plus symlink target lengths, hard links counted once, as
   * overlay2 sizes the layer's diff directory. Not the tar's byte count (headers, padding).
   */
  contentSize: number
  /**
   * The symlink part of contentSize. Docker sizes a layer that BuildKit committed from its
   * tar-split payload instead, which leaves symlinks out: contentSize - symlinkBytes.
   */
  symlinkBytes: number
}

/** A stream that is not a tar still has a digest and a length: callers may need them. */
export type MeasureResult = { ok: true; measure: TarMeasure } | { ok: false; reason: string; digest: Digest; size: number }

/**
 * Hashes, counts and parses a tar stream in one pass. Never stops reading early: when this is
 * one branch of a tee, stalling would stall the other branch too. A stream that is not a valid
 * tar gives `ok: false` (it may be an unrelated blob); an error from the source itself throws.
 */
export async function measureTar(source: AsyncIterable<Uint8Array>): Promise<MeasureResult> {
  const iterator = source[Symbol.asyncIterator]()
  const hash = createHash('sha256')
  let tarSize = 0
  const pull = async (): Promise<IteratorResult<Uint8Array>> => {
    const next = await iterator.next()
    if (!next.done) {
      hash.update(next.value)
      tarSize += next.value.length
    }
    return next
  }
  // readTar closes its source when it meets the end-of-archive blocks; this view ignores that,
  // so whatever follows them (record padding) is still read and hashed below.
  const view: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: pull, return: async () => ({ done: true, value: undefined }) }) }
  let fileBytes = 0
  let symlinkBytes = 0
  let reason: string | undefined
  try {
    for await (const { header } of readTar(view)) {
      if (header.type === 'file') fileBytes += header.size
      else if (header.type === 'symlink') symlinkBytes += Buffer.byteLength(header.linkname ?? '', 'utf8')
    }
  } catch (error) {
    if (!(error instanceof Error && error.name === 'TarFormatError')) throw error
    reason = error.message
  }
  for (let next = await pull(); !next.done; next = await pull());
  const digest: Digest = `sha256:${hash.digest('hex')}`
  if (reason !== undefined) return { ok: false, reason, digest, size: tarSize }
  return { ok: true, measure: { diffId: digest, tarSize, contentSize: fileBytes + symlinkBytes, symlinkBytes } }
}

const CACHE_DIR = 'layer-sizes'

/**
 * Sizes are a function of the diffID alone, so they are cached by it, beside the layout (never
 * in blobs/, which holds content only): `layer-sizes/<diffID hex>.json`.
 */
function cachePath(store: Store, diffId: string): string {
  return path.join(store.dir, CACHE_DIR, `${digestHex(diffId)}.json`)
}

export async function cachedLayerSizes(store: Store, diffId: string): Promise<TarMeasure | undefined> {
  try {
    const value = JSON.parse(await readFile(cachePath(store, diffId), 'utf8')) as Partial<TarMeasure>
    const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
    if (value.diffId === diffId && isDigest(value.diffId) && count(value.tarSize) && count(value.contentSize) && count(value.symlinkBytes)) {
      return { diffId: value.diffId, tarSize: value.tarSize, contentSize: value.contentSize, symlinkBytes: value.symlinkBytes }
    }
  } catch {
    // Missing or unreadable: measured again, which is only slower.
  }
  return undefined
}

/** Best effort: a store we cannot write to still loads and saves, only without the cache. */
export async function recordLayerSizes(store: Store, measure: TarMeasure): Promise<void> {
  try {
    await mkdir(path.join(store.dir, CACHE_DIR), { recursive: true })
    await writeJsonAtomic(cachePath(store, measure.diffId), measure)
  } catch {
    // ignored on purpose, see above
  }
}

/**
 * Sizes of a stored layer whose diffID the image config states. Measured by streaming the blob
 * once when not cached, and that pass checks the diffID: a layer whose content does not match
 * its config is reported here, before anything is written from it.
 */
export async function layerSizes(store: Store, layer: Descriptor, diffId: string): Promise<TarMeasure> {
  const cached = await cachedLayerSizes(store, diffId)
  if (cached) return cached
  let result: MeasureResult
  try {
    result = await measureTar(await decompressedLayer(await store.openBlob(layer.digest)))
  } catch (error) {
    if (error instanceof Error && error.name === 'TarFormatError') throw new ImageIoError('unsupported', `layer ${layer.digest}: ${error.message}`)
    throw error
  }
  if (!result.ok) throw new ImageIoError('invalid-archive', `layer ${layer.digest} is not a valid tar: ${result.reason}`)
  if (result.measure.diffId !== diffId) {
    throw new ImageIoError('digest-mismatch', `layer ${layer.digest} uncompresses to ${result.measure.diffId}, but the image config lists diffID ${diffId}`)
  }
  await recordLayerSizes(store, result.measure)
  return result.measure
}
