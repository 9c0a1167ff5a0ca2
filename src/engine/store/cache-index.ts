import { createHash } from 'node:crypto'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from './atomic-write'
import type { Digest } from './digest'
import { assertDigest, digestFromHex, digestHex, isSha256Hex, sha256Digest } from './digest'
import { readJsonFileMemoized, readdirIfExists, storeJsonMemo } from './json-files'
import type { Store } from './store'
import { StoreError, hasErrnoCode } from './store-errors'

/** The layer a cached step produced: `digest` names the stored blob, `diffId` its uncompressed tar. */
export interface CacheLayer {
  digest: string
  diffId: string
  size: number
  mediaType?: string
  /** The tar's size before compression: what `docker history` and the layer views show. */
  uncompressedSize?: number
}

/**
 * What a cache key stands for. `inputs` is the JSON the key was computed from, kept so that a
 * later miss can be explained field by field; its shape belongs to the cache module.
 */
export interface CacheEntry {
  key: Digest
  layer?: CacheLayer
  configDelta?: unknown
  inputs: unknown
  createdAt: string
}

export type CacheEntryInput = Omit<CacheEntry, 'key' | 'createdAt'> & { createdAt?: string }

/** The inputs a step (identified by the caller, e.g. Dockerfile path + stage + index) last ran with. */
export interface StepInputs {
  stepIdentity: string
  /** Written first, so an unchanged record is recognised without reading it all (recordInputs). */
  fingerprint?: string
  inputs: unknown
  recordedAt: string
}

export function cacheEntryPath(store: Store, key: string): string {
  return path.join(store.paths.cache, `${digestHex(key)}.json`)
}

/**
 * Records a key. The layer must already be in the store with the stated size: an entry that
 * promised a missing layer would turn a cache hit into a failed build.
 */
export async function putCacheEntry(store: Store, key: string, input: CacheEntryInput): Promise<CacheEntry> {
  const entry: CacheEntry = { key: assertDigest(key, 'cache key'), inputs: input.inputs ?? null, createdAt: input.createdAt ?? new Date().toISOString() }
  if (input.layer !== undefined) {
    const layer = checkLayer(input.layer, `cache entry ${key}`)
    if (!(await store.hasBlob(layer.digest))) throw new StoreError('not-found', `cache entry ${key}: layer ${layer.digest} is not in the store`)
    const size = await store.blobSize(layer.digest)
    if (size !== layer.size) throw new StoreError('size-mismatch', `cache entry ${key}: layer ${layer.digest} has ${size} bytes, not ${layer.size}`)
    entry.layer = layer
  }
  if (input.configDelta !== undefined) entry.configDelta = input.configDelta
  await writeJsonAtomic(cacheEntryPath(store, key), entry)
  return entry
}

/**
 * A usable entry or undefined. Missing, unreadable, and entries whose layer blob is gone all
 * read as a miss: a build should rebuild the step rather than fail (check reports the damage).
 */
export async function getCacheEntry(store: Store, key: string): Promise<CacheEntry | undefined> {
  assertDigest(key, 'cache key')
  let entry: CacheEntry
  try {
    entry = await readCacheEntry(store, key)
  } catch {
    return undefined
  }
  if (entry.layer && !(await store.hasBlob(entry.layer.digest))) return undefined
  return entry
}

/** The entry as stored, or a `not-found` / `corrupt` error saying what is wrong with it. */
export async function readCacheEntry(store: Store, key: string): Promise<CacheEntry> {
  const file = cacheEntryPath(store, key)
  const value = await readJsonFileMemoized(file, `cache entry ${key}`)
  const entry = value as Partial<CacheEntry> | null
  if (typeof entry !== 'object' || entry === null || !('inputs' in entry) || typeof entry.createdAt !== 'string') {
    throw new StoreError('corrupt', `${file}: not a cache entry (needs inputs and createdAt)`)
  }
  if (entry.key !== key) throw new StoreError('corrupt', `${file}: records key ${String(entry.key)}, not ${key}`)
  if (entry.layer !== undefined) {
    try {
      checkLayer(entry.layer, file)
    } catch (error) {
      throw new StoreError('corrupt', error instanceof Error ? error.message : String(error))
    }
  }
  return entry as CacheEntry
}

export async function deleteCacheEntry(store: Store, key: string): Promise<boolean> {
  storeJsonMemo.forget(cacheEntryPath(store, key))
  try {
    await unlink(cacheEntryPath(store, key))
    return true
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return false
    throw error
  }
}

/** Every key with an entry file; files with other names are ignored (temp files, `steps/`). */
export async function listCacheKeys(store: Store): Promise<Digest[]> {
  const names = await readdirIfExists(store.paths.cache)
  return names
    .filter((n) => n.endsWith('.json') && isSha256Hex(n.slice(0, -'.json'.length)))
    .map((n) => digestFromHex(n.slice(0, -'.json'.length)))
    .sort()
}

/** The step identity is hashed into the file name, so any string the caller uses is safe. */
export function stepInputsPath(store: Store, stepIdentity: string): string {
  return path.join(store.paths.cacheSteps, `${digestHex(sha256Digest(stepIdentity))}.json`)
}

/**
 * Records what a step last ran with. The file starts with a fingerprint of the inputs, so a record
 * whose inputs are unchanged (every no-op rebuild) is recognised from its first bytes and is not
 * rewritten: a large COPY's record is MBs, and rewriting it (with fsync) on every build was a
 * visible part of a no-op. `recordedAt` then keeps when those inputs were first recorded.
 *
 * `fingerprint`, when the caller has one (keyed steps: stepRecordFingerprint), must change
 * whenever the inputs do; it spares serialising them when nothing changed. Without it the
 * fingerprint is the sha256 of the inputs' JSON, and the file's size is checked too.
 */
export async function recordInputs(store: Store, stepIdentity: string, inputs: unknown, options: { fingerprint?: string } = {}): Promise<void> {
  const file = stepInputsPath(store, stepIdentity)
  let inputsText: string | undefined
  let fingerprint = options.fingerprint
  if (fingerprint === undefined) {
    inputsText = JSON.stringify(inputs ?? null)
    fingerprint = 'json:' + createHash('sha256').update(inputsText).digest('hex')
  }
  const head = `{"stepIdentity":${JSON.stringify(stepIdentity)},"fingerprint":${JSON.stringify(fingerprint)},"inputs":`
  const tail = `,"recordedAt":${JSON.stringify(new Date().toISOString())}}`
  const size = inputsText === undefined ? undefined : Buffer.byteLength(head) + Buffer.byteLength(inputsText) + Buffer.byteLength(tail)
  if (await fileStartsWith(file, head, size)) return
  inputsText ??= JSON.stringify(inputs ?? null)
  // The same text JSON.stringify gives for a StepInputs object, without stringifying the inputs twice.
  await writeFileAtomic(file, head + inputsText + tail)
}

/** Whether `file` begins with `head` and (when given) is `size` bytes long; false when it cannot be read. */
async function fileStartsWith(file: string, head: string, size: number | undefined): Promise<boolean> {
  const expected = Buffer.from(head)
  let handle: FileHandle | undefined
  try {
    handle = await open(file, 'r')
    if (size !== undefined && (await handle.stat()).size !== size) return false
    const buf = Buffer.alloc(expected.length)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    return bytesRead === expected.length && buf.equals(expected)
  } catch {
    return false
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

export async function lastInputs(store: Store, stepIdentity: string): Promise<StepInputs | undefined> {
  try {
    const record = (await readJsonFileMemoized(stepInputsPath(store, stepIdentity), 'step inputs')) as Partial<StepInputs> | null
    if (typeof record !== 'object' || record === null || record.stepIdentity !== stepIdentity) return undefined
    return { stepIdentity, inputs: record.inputs ?? null, recordedAt: String(record.recordedAt) }
  } catch {
    return undefined
  }
}

function checkLayer(layer: CacheLayer, where: string): CacheLayer {
  if (typeof layer !== 'object' || layer === null) throw new StoreError('corrupt', `${where}: layer is not an object`)
  const checked: CacheLayer = {
    digest: assertDigest(layer.digest, `${where} layer digest`),
    diffId: assertDigest(layer.diffId, `${where} layer diffId`),
    size: layer.size,
  }
  if (!Number.isSafeInteger(layer.size) || layer.size < 0) throw new StoreError('invalid-argument', `${where}: invalid layer size ${layer.size}`)
  if (layer.mediaType !== undefined) checked.mediaType = String(layer.mediaType)
  if (layer.uncompressedSize !== undefined) {
    if (!Number.isSafeInteger(layer.uncompressedSize) || layer.uncompressedSize < 0) {
      throw new StoreError('invalid-argument', `${where}: invalid uncompressed size ${layer.uncompressedSize}`)
    }
    checked.uncompressedSize = layer.uncompressedSize
  }
  return checked
}
