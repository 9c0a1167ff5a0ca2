import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { LayerCompression } from '../layers'
import { sniffCompression } from '../layers'
import type { BlobInfo, Digest, Store } from '../store'
import { peek, settleBoth, tee } from './byte-streams'
import { measureTar, recordLayerSizes, type TarMeasure } from './layer-sizes'

/** A layer as the store keeps it: gzip blob, plus what the uncompressed tar measured. */
export interface StoredLayer extends TarMeasure {
  blob: BlobInfo
}

/** One archive member or layout blob after it went into the store. */
export interface IngestedBlob {
  /** sha256 of the bytes as they were in the archive (what an OCI descriptor names). */
  digest: Digest
  size: number
  compression: LayerCompression
  /** Set when the bytes are a tar (plain or gzip): ready to be listed in a manifest. */
  layer?: StoredLayer
  /** Why the bytes cannot be a layer, when they cannot. */
  notLayer?: string
}

/** gzip level 1, as the layer writer uses: several times faster than the default for a few percent. */
const GZIP = { level: 1, chunkSize: 1 << 16 }

/**
 * Streams bytes into the store in the form a layer needs, whatever they turn out to be:
 * - gzip: stored as they are, while a second branch gunzips, hashes and parses them (diffID);
 * - a plain tar: hashed and parsed (diffID) while a second branch gzips them into the store;
 * - anything else: stored as they are (a config, a zstd layer, a stray file).
 * Nothing is held in memory beyond stream buffers, and every branch runs in the same pass.
 */
export async function ingestBlob(store: Store, source: AsyncIterable<Uint8Array>): Promise<IngestedBlob> {
  const { head, stream } = await peek(source, 512)
  const compression = sniffCompression(head)
  if (compression === 'gzip') return ingestGzip(store, Readable.from(stream, { objectMode: false }))
  if (compression === 'none' && looksLikeTar(head)) return ingestPlainTar(store, Readable.from(stream, { objectMode: false }))
  const blob = await store.putBlobFromStream(stream)
  const notLayer = compression === 'none' ? 'it is not a tar archive' : `${compression}-compressed layers are not supported (only gzip and uncompressed)`
  return { ...blob, compression, notLayer }
}

async function ingestGzip(store: Store, raw: Readable): Promise<IngestedBlob> {
  const [toStore, toMeasure] = tee(raw)
  const gunzip = createGunzip()
  const gunzipped = pipeline(toMeasure, gunzip).catch((error: unknown) => error)
  const [blob, measured] = await settleBoth(
    raw,
    store.putBlobFromStream(toStore),
    // A gzip that is not a tar (or not valid gzip) is still stored: it just cannot be a layer.
    measureTar(gunzip).catch((error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) })),
  )
  await gunzipped
  if (!measured.ok) return { ...blob, compression: 'gzip', notLayer: `its gzip content is not a tar archive: ${measured.reason}` }
  await recordLayerSizes(store, measured.measure)
  return { ...blob, compression: 'gzip', layer: { ...measured.measure, blob } }
}

async function ingestPlainTar(store: Store, raw: Readable): Promise<IngestedBlob> {
  const [toMeasure, toGzip] = tee(raw)
  const gzip = createGzip(GZIP)
  const gzipped = pipeline(toGzip, gzip).catch((error: unknown) => error)
  const [measured, blob] = await settleBoth(raw, measureTar(toMeasure), store.putBlobFromStream(gzip))
  await gzipped
  if (!measured.ok) {
    // Only its gzip form is in the store now, so it can serve as nothing else either.
    return { digest: measured.digest, size: measured.size, compression: 'none', notLayer: `it starts like a tar archive but is not one: ${measured.reason}` }
  }
  await recordLayerSizes(store, measured.measure)
  const { diffId, tarSize } = measured.measure
  return { digest: diffId, size: tarSize, compression: 'none', layer: { ...measured.measure, blob } }
}

/** A tar starts with a header block whose checksum adds up, or with the end-of-archive zeros. */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false
  const block = head.subarray(0, 512)
  if (block.every((b) => b === 0)) return true
  const field = block.toString('latin1', 148, 156).replace(/[\0 ]+$/g, '').trim()
  if (!/^[0-7]{1,7}$/.test(field)) return false
  let sum = 8 * 0x20
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0
  return sum === parseInt(field, 8)
}
