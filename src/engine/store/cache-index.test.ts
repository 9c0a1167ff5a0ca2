import { mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cacheEntryPath, deleteCacheEntry, getCacheEntry, lastInputs, listCacheKeys, putCacheEntry, readCacheEntry, recordInputs, stepInputsPath } from './cache-index'
import { sha256Digest } from './digest'
import type { Store } from './store'
import { openStore } from './store'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cache-'))
  store = await openStore(dir)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const key = sha256Digest('key one')
const inputs = { v: 1, parent: '', op: { kind: 'RUN', args: ['echo hi'] }, env: ['A=1'] }

describe('cache index', () => {
  it('stores an entry per key as cache/<hex>.json and reads it back', async () => {
    const layer = await store.putBlob('layer bytes')
    const stored = await putCacheEntry(store, key, {
      layer: { digest: layer.digest, diffId: sha256Digest('uncompressed'), size: layer.size },
      configDelta: { Env: ['A=1'] },
      inputs,
      createdAt: '2026-01-01T00:00:00.000Z',
    })
    expect(cacheEntryPath(store, key)).toBe(path.join(dir, 'cache', `${key.slice(7)}.json`))
    expect(JSON.parse(await readFile(cacheEntryPath(store, key), 'utf8'))).toEqual(stored)
    expect(await getCacheEntry(store, key)).toEqual({
      key,
      layer: { digest: layer.digest, diffId: sha256Digest('uncompressed'), size: layer.size },
      configDelta: { Env: ['A=1'] },
      inputs,
      createdAt: '2026-01-01T00:00:00.000Z',
    })
    expect(await listCacheKeys(store)).toEqual([key])
  })

  it('records metadata-only steps without a layer', async () => {
    await putCacheEntry(store, key, { inputs, configDelta: { WorkingDir: '/app' } })
    expect(await getCacheEntry(store, key)).toMatchObject({ key, inputs, configDelta: { WorkingDir: '/app' }, createdAt: expect.any(String) })
  })

  it('refuses entries promising a layer that is not there', async () => {
    const layer = await store.putBlob('present')
    await expect(putCacheEntry(store, key, { inputs, layer: { digest: sha256Digest('absent'), diffId: sha256Digest('d'), size: 1 } })).rejects.toMatchObject({ code: 'not-found' })
    await expect(putCacheEntry(store, key, { inputs, layer: { digest: layer.digest, diffId: sha256Digest('d'), size: layer.size + 1 } })).rejects.toMatchObject({ code: 'size-mismatch' })
    await expect(putCacheEntry(store, key, { inputs, layer: { digest: layer.digest, diffId: 'sha256:nope', size: layer.size } })).rejects.toMatchObject({ code: 'invalid-digest' })
    expect(await listCacheKeys(store)).toEqual([])
  })

  it('refuses keys that are not digests, so they never become paths', async () => {
    for (const bad of ['../../x', `sha256:../${'a'.repeat(61)}`, `sha256:${'A'.repeat(64)}`, 'sha256:abc']) {
      await expect(putCacheEntry(store, bad, { inputs })).rejects.toMatchObject({ code: 'invalid-digest' })
      await expect(getCacheEntry(store, bad)).rejects.toMatchObject({ code: 'invalid-digest' })
    }
  })

  it('treats missing, unreadable and layer-less entries as misses', async () => {
    expect(await getCacheEntry(store, key)).toBeUndefined()
    await writeFile(cacheEntryPath(store, key), '{"truncated')
    expect(await getCacheEntry(store, key)).toBeUndefined()
    await expect(readCacheEntry(store, key)).rejects.toMatchObject({ code: 'corrupt' })

    const layer = await store.putBlob('will vanish')
    await putCacheEntry(store, key, { inputs, layer: { digest: layer.digest, diffId: layer.digest, size: layer.size } })
    expect(await getCacheEntry(store, key)).toBeDefined()
    await store.removeBlob(layer.digest)
    expect(await getCacheEntry(store, key)).toBeUndefined()

    // An entry copied under another key's name is not that key's entry.
    const other = sha256Digest('key two')
    await writeFile(cacheEntryPath(store, other), await readFile(cacheEntryPath(store, key)))
    await expect(readCacheEntry(store, other)).rejects.toMatchObject({ code: 'corrupt' })
    expect(await deleteCacheEntry(store, other)).toBe(true)
    expect(await deleteCacheEntry(store, other)).toBe(false)
  })

  it('remembers the last inputs of each step identity, whatever the identity string', async () => {
    const identities = ['/p/Dockerfile#build#3', '../../etc/passwd', 'a\\b:c*?', '']
    for (const [i, identity] of identities.entries()) await recordInputs(store, identity, { ...inputs, i })
    await recordInputs(store, identities[0] as string, { ...inputs, i: 'latest' })
    for (const [i, identity] of identities.entries()) {
      expect(path.dirname(stepInputsPath(store, identity))).toBe(store.paths.cacheSteps)
      expect((await lastInputs(store, identity))?.inputs).toEqual({ ...inputs, i: i === 0 ? 'latest' : i })
    }
    expect(await lastInputs(store, 'never ran')).toBeUndefined()
    expect(await readdir(store.paths.cacheSteps)).toHaveLength(identities.length)
    // Step records are not cache keys.
    expect(await listCacheKeys(store)).toEqual([])
  })

  it('does not rewrite a step record whose inputs are unchanged, and rewrites a changed one', async () => {
    const identity = '/p/Dockerfile#index:0#1'
    const file = stepInputsPath(store, identity)
    await recordInputs(store, identity, inputs)
    const first = await stat(file, { bigint: true })
    const firstRecord = JSON.parse(await readFile(file, 'utf8')) as { recordedAt: string }
    await new Promise((resolve) => setTimeout(resolve, 5))
    await recordInputs(store, identity, { ...inputs })
    const again = await stat(file, { bigint: true })
    expect([again.ino, again.mtimeNs]).toEqual([first.ino, first.mtimeNs])
    expect((JSON.parse(await readFile(file, 'utf8')) as { recordedAt: string }).recordedAt).toBe(firstRecord.recordedAt)

    await recordInputs(store, identity, { ...inputs, env: ['A=2'] })
    expect((await lastInputs(store, identity))?.inputs).toEqual({ ...inputs, env: ['A=2'] })
    // Back to the first inputs: the file on disk differs from them, so it is written.
    await recordInputs(store, identity, inputs)
    expect((await lastInputs(store, identity))?.inputs).toEqual(inputs)
  })

  it('reads again a step record or cache entry another process replaced', async () => {
    const identity = 'shared with the CLI'
    const file = stepInputsPath(store, identity)
    await recordInputs(store, identity, inputs)
    expect((await lastInputs(store, identity))?.inputs).toEqual(inputs)
    // Another process records other inputs (its own write: temp file renamed over the record).
    const theirs = { stepIdentity: identity, inputs: { ...inputs, env: ['B=1'] }, recordedAt: '2026-01-01T00:00:00.000Z' }
    await writeFile(`${file}.theirs`, JSON.stringify(theirs))
    await rename(`${file}.theirs`, file)
    expect((await lastInputs(store, identity))?.inputs).toEqual(theirs.inputs)
    // And this process, back at its own inputs, writes them again rather than trusting memory.
    await recordInputs(store, identity, inputs)
    expect((await lastInputs(store, identity))?.inputs).toEqual(inputs)

    const layer = await store.putBlob('layer')
    await putCacheEntry(store, key, { inputs, layer: { digest: layer.digest, diffId: layer.digest, size: layer.size } })
    expect((await getCacheEntry(store, key))?.inputs).toEqual(inputs)
    const entry = JSON.parse(await readFile(cacheEntryPath(store, key), 'utf8')) as Record<string, unknown>
    await writeFile(`${cacheEntryPath(store, key)}.theirs`, JSON.stringify({ ...entry, inputs: { replaced: true } }))
    await rename(`${cacheEntryPath(store, key)}.theirs`, cacheEntryPath(store, key))
    expect((await getCacheEntry(store, key))?.inputs).toEqual({ replaced: true })
  })

  it('trusts a caller fingerprint: the same one leaves the record alone, another rewrites it', async () => {
    const identity = 'keyed step'
    const file = stepInputsPath(store, identity)
    await recordInputs(store, identity, inputs, { fingerprint: 'fp-1' })
    const first = await stat(file, { bigint: true })
    await recordInputs(store, identity, inputs, { fingerprint: 'fp-1' })
    expect((await stat(file, { bigint: true })).ino).toBe(first.ino)
    await recordInputs(store, identity, { ...inputs, env: ['C=3'] }, { fingerprint: 'fp-2' })
    expect((await lastInputs(store, identity))?.inputs).toEqual({ ...inputs, env: ['C=3'] })
    // A record written without a fingerprint is never taken for one written with it.
    await recordInputs(store, identity, inputs)
    await recordInputs(store, identity, { ...inputs, env: ['D=4'] }, { fingerprint: 'fp-2' })
    expect((await lastInputs(store, identity))?.inputs).toEqual({ ...inputs, env: ['D=4'] })
  })
})
