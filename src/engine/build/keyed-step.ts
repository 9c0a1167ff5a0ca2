import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { MissReason } from '../../shared/build-events'
import {
  cacheKey,
  explainMiss,
  parseStepRecord,
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

/**
 * One step that has a cache key: a hit reuses the recorded layer without reading it; a miss
 * says why (against the last build's record for the same step), writes the layer into the
 * store, and records both the key and the inputs for the next build to compare with.
 */
export async function runKeyedStep(options: KeyedStepOptions): Promise<KeyedStepResult> {
  const { store, identity, inputs } = options
  const key = cacheKey(inputs)
  const record: StepRecord = { instruction: options.instruction, inputs }
  const entry = options.noCache || options.volatile ? undefined : await getCacheEntry(store, key)

  let result: KeyedStepResult
  if (entry?.layer && entry.layer.uncompressedSize !== undefined) {
    const { digest, diffId, size, uncompressedSize } = entry.layer
    result = { cached: true, layer: layerRef({ digest, diffId, size, uncompressedSize }) }
  } else {
    const previous = parseStepRecord((await lastInputs(store, identity))?.inputs)
    const reason: MissReason =
      options.volatile && !options.noCache
        ? { kind: 'other', detail: 'ADD of a URL without --checksum is fetched again on every build' }
        : explainMiss(record, previous, {
            noCache: options.noCache,
            ...(options.parentRebuilt ? { parentRebuilt: options.parentRebuilt } : {}),
          })
    const written = await writeIntoStore(store, options.writeLayer)
    await putCacheEntry(store, key, {
      layer: { digest: written.digest, diffId: written.diffId, size: written.size, uncompressedSize: written.uncompressedSize, mediaType: MediaType.layerTarGzip },
      inputs,
    })
    result = { cached: false, reason, layer: layerRef(written) }
  }
  await recordInputs(store, identity, record)
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
