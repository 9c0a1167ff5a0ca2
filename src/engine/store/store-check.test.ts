import { mkdtemp, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newBuildId, writeBuild } from './build-records'
import { cacheEntryPath, putCacheEntry } from './cache-index'
import { sha256Digest } from './digest'
import type { PutImageResult } from './images'
import { putImage } from './images'
import type { Store } from './store'
import { openStore } from './store'
import { checkStore } from './store-check'

let dir: string
let store: Store
let image: PutImageResult
let layers: { digest: string; size: number }[]
const cacheKey = sha256Digest('cache key')

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-check-'))
  store = await openStore(dir)
  layers = [await store.putBlob('first layer'), await store.putBlob('second layer, a little longer')]
  image = await putImage(store, {
    config: { created: '2026-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } },
    layers,
    tags: ['app'],
  })
  const cached = layers[1] as { digest: string; size: number }
  await putCacheEntry(store, cacheKey, { inputs: { step: 2 }, layer: { digest: cached.digest, diffId: cached.digest, size: cached.size } })
  await writeBuild(store, { id: newBuildId(), project: dir, dockerfile: 'Dockerfile', startedAt: 'x', status: 'succeeded', result: { imageDigest: image.manifest.digest } })
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function flipByte(file: string, at = 0): Promise<void> {
  const bytes = await readFile(file)
  bytes[at] = (bytes[at] ?? 0) ^ 0xff
  await writeFile(file, bytes)
}

describe('checkStore', () => {
  it('finds nothing wrong with a healthy store, having re-hashed every blob', async () => {
    const progress: number[] = []
    const report = await checkStore(store, { onProgress: (p) => progress.push(p.blobsChecked) })
    expect(report).toMatchObject({ ok: true, problems: [], blobsChecked: 4 })
    expect(report.bytesChecked).toBe(layers[0]!.size + layers[1]!.size + image.config.size + image.manifest.size)
    expect(progress).toEqual([1, 2, 3, 4])
  })

  it('detects a corrupted blob (one flipped byte) and says where', async () => {
    const file = store.blobPath(layers[0]!.digest)
    await flipByte(file, 3)
    const report = await checkStore(store)
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual([
      { kind: 'corrupt-blob', path: file, digest: layers[0]!.digest, message: expect.stringMatching(/^blob sha256:\w+ is corrupt: its content hashes to sha256:\w+$/) },
    ])
  })

  it('reports a corrupt manifest once', async () => {
    await flipByte(store.blobPath(image.manifest.digest))
    const report = await checkStore(store)
    expect(report.problems.map((p) => [p.kind, p.digest])).toEqual([['corrupt-blob', image.manifest.digest]])
  })

  it('detects a missing layer and names who references it', async () => {
    await unlink(store.blobPath(layers[1]!.digest))
    const report = await checkStore(store)
    const missing = report.problems.filter((p) => p.kind === 'missing-blob')
    // Referenced by the manifest and by the cache entry: the first referrer found is reported.
    expect(missing).toHaveLength(1)
    expect(missing[0]).toMatchObject({ digest: layers[1]!.digest, message: expect.stringContaining('references') })
    expect(report.problems.every((p) => p.kind === 'missing-blob')).toBe(true)
  })

  it('detects a missing config and a dangling cache entry', async () => {
    await unlink(store.blobPath(image.config.digest))
    const other = await store.putBlob('only the cache wants me')
    const key = sha256Digest('other key')
    await putCacheEntry(store, key, { inputs: {}, layer: { digest: other.digest, diffId: other.digest, size: other.size } })
    await unlink(store.blobPath(other.digest))
    const report = await checkStore(store)
    expect(report.problems.map((p) => [p.kind, p.digest, p.path])).toEqual(
      expect.arrayContaining([
        ['missing-blob', image.config.digest, store.blobPath(image.manifest.digest)],
        ['missing-blob', other.digest, cacheEntryPath(store, key)],
      ]),
    )
    expect(report.problems).toHaveLength(2)
  })

  it('detects wrong sizes in descriptors, unreadable metadata, stray files and duplicate tags', async () => {
    const index = JSON.parse(await readFile(store.paths.index, 'utf8')) as { manifests: { size: number }[] }
    index.manifests.push({ ...index.manifests[0]!, size: 1 })
    await writeFile(store.paths.index, JSON.stringify(index))
    await writeFile(cacheEntryPath(store, sha256Digest('broken')), '{')
    await writeFile(path.join(store.paths.blobs, 'README'), 'hi')
    const report = await checkStore(store)
    expect(report.problems.map((p) => p.kind).sort()).toEqual(['bad-metadata', 'duplicate-tag', 'size-mismatch', 'stray-file'])
    expect(report.problems.find((p) => p.kind === 'bad-metadata')?.path).toBe(cacheEntryPath(store, sha256Digest('broken')))
  })

  it('reports an unreadable index.json and a broken oci-layout', async () => {
    await writeFile(store.paths.index, 'nope')
    await writeFile(store.paths.ociLayout, '{}')
    const kinds = (await checkStore(store)).problems.map((p) => [p.kind, p.path])
    expect(kinds).toEqual(expect.arrayContaining([['bad-metadata', store.paths.index], ['invalid-layout', store.paths.ociLayout]]))
  })

  it('reports temp files older than an hour, and removes them when asked', async () => {
    const stale = path.join(store.paths.tmp, '.blob.1-abc.tmp')
    const staleMeta = path.join(dir, '.index.json.1-abc.tmp')
    const fresh = path.join(store.paths.tmp, '.blob.2-def.tmp')
    for (const f of [stale, staleMeta, fresh]) await writeFile(f, 'partial')
    const old = new Date(Date.now() - 61 * 60_000)
    await utimes(stale, old, old)
    await utimes(staleMeta, old, old)

    const report = await checkStore(store)
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => [p.kind, p.path]).sort()).toEqual([['stale-temp', staleMeta], ['stale-temp', stale]].sort())

    const fixed = await checkStore(store, { removeStaleTemps: true })
    expect(fixed.ok).toBe(true)
    expect(fixed.problems.every((p) => p.fixed === true)).toBe(true)
    expect((await checkStore(store)).problems).toEqual([])
    expect(await readFile(fresh, 'utf8')).toBe('partial')
  })
})
