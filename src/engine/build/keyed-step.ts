import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { MissReason } from '../../shared/build-events'
import {
  cacheKey,
  explainMiss,
  parseStepRecord,
  stepRecordFingerprint,
  type ParentRebuilt,
  type StepInputs,
  type StepRecord,
} from '../cache'
import { getCacheEntry, lastInputs, MediaType, putCacheEntry, recordInputs, type Store } from '../store'
import type { BuiltLayer } from './build-state'

export interface LayerWriterResult {
  diffId: string
  digest: string
  size: number
  uncompressedSize: number
}

export interface KeyedStepOptions {
  store: Store
  identity: string
  instruction: string
  inputs: StepInputs
  noCache: boolean
  parentRebuilt?: ParentRebuilt
  /** The step's inputs cannot be known without running it (ADD of an unpinned URL): never a hit. */
  volatile?: boolean
  /** Writes the step's layer (gzip) to the given file; called only on a miss. */
  writeLayer: (out: string) => Promise<LayerWriterResult>
}

export interface KeyedStepResult {
  cached: boolean
  reason?: MissReason
  layer: BuiltLayer
}

export type StepLookupOptions = Omit<KeyedStepOptions, 'writeLayer'>

/** What the cache says of a step before anything runs: a hit with its layer, or why it misses. */
export interface StepLookup {
  key: string
  record: StepRecord
  /** The recorded layer, on a hit. */
  hit?: BuiltLayer
  /** On a miss: against the last build's record for the same step. */
  reason?: MissReason
}

/**
 * The cache's answer for one step, reading only: the entry for its key, and on a miss the reason
 * (against the record the same step identity left last time). The build acts on it
 * (runKeyedStep); a forecast reports it, so the two can never apply different rules.
 */
export async function lookupKeyedStep(options: StepLookupOptions): Promise<StepLookup> {
  const { store, identity, inputs } = options
  const key = cacheKey(inputs)
  const record: StepRecord = { instruction: options.instruction, inputs }
  const entry = options.noCache || options.volatile ? undefined : await getCacheEntry(store, key)
  if (entry?.layer && entry.layer.uncompressedSize !== undefined) {
    const { digest, diffId, size, uncompressedSize } = entry.layer
    return { key, record, hit: layerRef({ digest, diffId, size, uncompressedSize }) }
  }
  const previous = parseStepRecord((await lastInputs(store, identity))?.inputs)
  const reason: MissReason =
    options.volatile && !options.noCache
      ? { kind: 'other', detail: 'ADD of a URL without --checksum is fetched again on every build' }
      : explainMiss(record, previous, {
          noCache: options.noCache,
          ...(options.parentRebuilt ? { parentRebuilt: options.parentRebuilt } : {}),
        })
  return { key, record, reason }
}

/**
 * One step that has a cache key: a hit reuses the recorded layer without reading it; a miss
 * says why, writes the layer into the store, and records both the key and the inputs for the
 * next build to compare with.
 */
export async function runKeyedStep(options: KeyedStepOptions): Promise<KeyedStepResult> {
  const { store, identity, inputs } = options
  const lookup = await lookupKeyedStep(options)
  let result: KeyedStepResult
  if (lookup.hit) {
    result = { cached: true, layer: lookup.hit }
  } else {
    const written = await writeIntoStore(store, options.writeLayer)
    await putCacheEntry(store, lookup.key, {
      layer: { digest: written.digest, diffId: written.diffId, size: written.size, uncompressedSize: written.uncompressedSize, mediaType: MediaType.layerTarGzip },
      inputs,
    })
    result = { cached: false, ...(lookup.reason ? { reason: lookup.reason } : {}), layer: layerRef(written) }
  }
  await recordInputs(store, identity, lookup.record, { fingerprint: stepRecordFingerprint(lookup.record) })
  return result
}

function layerRef(written: LayerWriterResult): BuiltLayer {
  return {
    diffId: written.diffId,
    digest: written.digest,
    size: written.uncompressedSize,
    blobSize: written.size,
    mediaType: MediaType.layerTarGzip,
  }
}

/**
 * Layers are written to a temp file inside the store (same filesystem) and then added as a
 * blob, which verifies the digest the writer computed before the blob becomes visible.
 */
async function writeIntoStore(store: Store, write: (out: string) => Promise<LayerWriterResult>): Promise<LayerWriterResult> {
  const dir = await mkdtemp(path.join(store.paths.tmp, 'layer-'))
  try {
    const out = path.join(dir, 'layer.tar.gz')
    const written = await write(out)
    await store.putBlobFromStream(createReadStream(out), { digest: written.digest, size: written.size })
    return written
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
