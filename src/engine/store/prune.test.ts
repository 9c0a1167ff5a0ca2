import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newBuildId, writeBuild } from './build-records'
import { listCacheKeys, putCacheEntry } from './cache-index'
import { sha256Digest } from './digest'
import type { PutImageResult } from './images'
import { putImage, tagImage, untag } from './images'
import { MediaType } from './oci-types'
import { pruneStore } from './prune'
import type { Store } from './store'
import { openStore } from './store'
import { checkStore } from './store-check'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-prune-'))
  store = await openStore(dir)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

type Blob = { digest: string; size: number }

async function image(name: string, layers: Blob[], tags: string[]): Promise<PutImageResult> {
  return putImage(store, { config: { created: name, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }, layers, tags })
}

/** Everything already in the store becomes older than the default grace period. */
async function ageAllBlobs(): Promise<void> {
  const old = new Date(Date.now() - 2 * 3600_000)
  for (const blob of (await store.scanBlobs()).blobs) await utimes(blob.path, old, old)
}

async function digests(): Promise<string[]> {
  return (await store.scanBlobs()).blobs.map((b) => b.digest).sort()
}

describe('pruneStore', () => {
  it('removes exactly the unreferenced blobs and reports the bytes freed', async () => {
    const shared = await store.putBlob('shared base layer')
    const own = await store.putBlob('tagged image layer')
    const tagged = await image('tagged', [shared, own], ['app'])

    const cachedOnly = await store.putBlob('layer only the cache knows')
    await putCacheEntry(store, sha256Digest('k'), { inputs: {}, layer: { digest: cachedOnly.digest, diffId: cachedOnly.digest, size: cachedOnly.size } })

    const builtLayer = await store.putBlob('layer of an untagged build result')
    const built = await image('built', [shared, builtLayer], [])
    await writeBuild(store, { id: newBuildId(), project: dir, dockerfile: 'Dockerfile', startedAt: 'x', status: 'succeeded', result: { imageDigest: built.manifest.digest } })

    // Garbage: loose blobs, and a whole untagged image nobody references.
    const loose = [await store.putBlob('x'.repeat(100)), await store.putBlob('y'.repeat(2000))]
    const orphanLayer = await store.putBlob('orphan layer')
    const orphan = await image('orphan', [orphanLayer, shared], [])
    const garbage = [...loose, orphanLayer, orphan.manifest, orphan.config]
    const keep = [shared, own, tagged.manifest, tagged.config, cachedOnly, builtLayer, built.manifest, built.config]

    await ageAllBlobs()
    const dry = await pruneStore(store, { dryRun: true })
    expect(dry.dryRun).toBe(true)
    expect(dry.removedBlobs.sort()).toEqual(garbage.map((b) => b.digest).sort())
    expect((await digests()).length).toBe(garbage.length + keep.length)

    const result = await pruneStore(store)
    expect(result.removedBlobs.sort()).toEqual(garbage.map((b) => b.digest).sort())
    expect(result.freedBytes).toBe(garbage.reduce((sum, b) => sum + b.size, 0))
    expect(result.freedBytes).toBe(dry.freedBytes)
    expect(await digests()).toEqual(keep.map((b) => b.digest).sort())
    expect(await checkStore(store)).toMatchObject({ ok: true, problems: [] })

    expect(await pruneStore(store)).toMatchObject({ removedBlobs: [], freedBytes: 0 })
  })

  it('keeps unreferenced blobs younger than the grace period', async () => {
    const fresh = await store.putBlob('just written, manifest not yet')
    expect(await pruneStore(store)).toMatchObject({ removedBlobs: [], keptRecent: 1 })
    expect(await pruneStore(store, { gracePeriodMs: 0 })).toMatchObject({ removedBlobs: [fresh.digest], freedBytes: fresh.size })
  })

  it('frees an untagged image but keeps layers another image shares', async () => {
    const base = await store.putBlob('base')
    const top = await store.putBlob('top of a')
    const a = await image('a', [base, top], ['a'])
    const b = await image('b', [base], ['b'])
    expect(await untag(store, 'a')).toBe(true)
    await ageAllBlobs()
    const result = await pruneStore(store)
    expect(result.removedBlobs.sort()).toEqual([top.digest, a.manifest.digest, a.config.digest].sort())
    expect(result.freedBytes).toBe(top.size + a.manifest.size + a.config.size)
    expect(await digests()).toEqual([base.digest, b.manifest.digest, b.config.digest].sort())
  })

  it('follows image indexes to their manifests', async () => {
    const layer = await store.putBlob('platform layer')
    const child = await image('child', [layer], [])
    const index = await store.putBlob(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [child.manifest] }))
    await tagImage(store, { mediaType: MediaType.imageIndex, ...index }, ['multi'])
    await ageAllBlobs()
    expect(await pruneStore(store)).toMatchObject({ removedBlobs: [] })
  })

  it('drops the cache on request, and the layers only it kept', async () => {
    const layer = await store.putBlob('cached layer')
    await putCacheEntry(store, sha256Digest('k'), { inputs: {}, layer: { digest: layer.digest, diffId: layer.digest, size: layer.size } })
    await ageAllBlobs()
    expect(await pruneStore(store)).toMatchObject({ removedBlobs: [], removedCacheEntries: 0 })
    const dry = await pruneStore(store, { dropCache: true, dryRun: true })
    expect(dry).toMatchObject({ removedBlobs: [layer.digest], removedCacheEntries: 1 })
    expect(await listCacheKeys(store)).toHaveLength(1)
    expect(await pruneStore(store, { dropCache: true })).toMatchObject({ removedBlobs: [layer.digest], removedCacheEntries: 1, freedBytes: layer.size })
    expect(await listCacheKeys(store)).toEqual([])
  })

  it('drops the derived layer files with the cache, and only then', async () => {
    const derived = path.join(store.paths.root, 'layer-files')
    await mkdir(derived, { recursive: true })
    await writeFile(path.join(derived, 'a.json'), '{"table":1}')
    await mkdir(path.join(derived, 'not-a-file'))
    expect(await pruneStore(store)).toMatchObject({ removedDerivedFiles: 0 })
    expect(await pruneStore(store, { dropCache: true, dryRun: true })).toMatchObject({ removedDerivedFiles: 1, freedBytes: 11 })
    expect(await readdir(derived)).toEqual(['a.json', 'not-a-file'])
    expect(await pruneStore(store, { dropCache: true })).toMatchObject({ removedDerivedFiles: 1, freedBytes: 11 })
    expect(await readdir(derived)).toEqual(['not-a-file'])
  })

  it('removes stale temp files and counts their bytes, leaving unknown directories alone', async () => {
    const snapshot = path.join(store.paths.snapshots, 'sha256-abc', 'rootfs')
    await mkdir(snapshot, { recursive: true })
    await writeFile(path.join(snapshot, 'file'), 'snapshot content')
    await writeFile(path.join(dir, 'NOTES'), 'user file')
    const stale = path.join(store.paths.tmp, '.blob.9-dead.tmp')
    await writeFile(stale, 'z'.repeat(500))
    const old = new Date(Date.now() - 2 * 3600_000)
    await utimes(stale, old, old)

    const result = await pruneStore(store)
    expect(result).toMatchObject({ removedBlobs: [], removedTemps: [stale], freedBytes: 500 })
    expect(await readdir(store.paths.tmp)).toEqual([])
    expect(await readFile(path.join(snapshot, 'file'), 'utf8')).toBe('snapshot content')
    expect(await readFile(path.join(dir, 'NOTES'), 'utf8')).toBe('user file')
  })

  it('refuses to guess when a root cannot be read, deleting nothing', async () => {
    const layer = await store.putBlob('layer')
    await image('a', [layer], ['a'])
    await store.putBlob('garbage')
    await ageAllBlobs()
    const before = await digests()
    const index = await readFile(store.paths.index, 'utf8')
    await writeFile(store.paths.index, index.slice(0, 20))
    await expect(pruneStore(store)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('index.json') })
    expect(await digests()).toEqual(before)
  })
})
