import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256Digest } from './digest'
import type { Store } from './store'
import { openStore } from './store'
import { StoreError } from './store-errors'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-blobs-'))
  store = await openStore(dir)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Deterministic bytes in chunks of varying size, so the writer's buffer boundaries get exercised. */
async function* generated(total: number, seed = 1): AsyncGenerator<Uint8Array> {
  let sent = 0
  for (let i = 0; sent < total; i++) {
    const n = Math.min(total - sent, 1 + ((seed * 7919 + i * 104729) % 300_000))
    const block = createHash('sha512').update(`${seed}:${i}`).digest()
    const chunk = Buffer.allocUnsafe(n)
    for (let at = 0; at < n; at += block.length) block.copy(chunk, at, 0, Math.min(block.length, n - at))
    sent += n
    yield chunk
  }
}

async function digestOf(source: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of source) {
    hash.update(chunk)
    size += chunk.byteLength
  }
  return { digest: `sha256:${hash.digest('hex')}`, size }
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    if (error instanceof StoreError) return error.code
    throw error
  }
  return undefined
}

const tmpEntries = async (): Promise<string[]> => readdir(store.paths.tmp)
const blobEntries = async (): Promise<string[]> => readdir(store.paths.blobs)

describe('blob store', () => {
  it('stores small content under its sha256 and reads it back', async () => {
    const info = await store.putBlob('{"hello":"world"}')
    expect(info).toEqual({ digest: sha256Digest('{"hello":"world"}'), size: 17 })
    expect(await readFile(path.join(dir, 'blobs', 'sha256', info.digest.slice(7)), 'utf8')).toBe('{"hello":"world"}')
    expect(await store.hasBlob(info.digest)).toBe(true)
    expect(await store.blobSize(info.digest)).toBe(17)
    expect(await store.readJson(info.digest)).toEqual({ hello: 'world' })
    expect(await store.putBlob('{"hello":"world"}')).toEqual(info)
    expect(await blobEntries()).toHaveLength(1)
    expect(await tmpEntries()).toEqual([])
  })

  it('streams a large blob, hashing as it writes', async () => {
    const size = 24 * 1024 * 1024 + 12345
    const expected = await digestOf(generated(size, 7))
    const info = await store.putBlobFromStream(generated(size, 7), { digest: expected.digest, size })
    expect(info).toEqual(expected)
    expect((await stat(store.blobPath(info.digest))).size).toBe(size)
    expect(await digestOf(await store.openBlob(info.digest, { verify: true }))).toEqual(expected)
    expect(await tmpEntries()).toEqual([])
  })

  it('accepts Node readables and string chunks', async () => {
    const info = await store.putBlobFromStream(Readable.from(['a', 'b', Buffer.from('c')]))
    expect(info).toEqual({ digest: sha256Digest('abc'), size: 3 })
    const empty = await store.putBlobFromStream(Readable.from([]))
    expect(empty).toEqual({ digest: sha256Digest(''), size: 0 })
  })

  it('refuses content that does not match the expected digest and leaves nothing behind', async () => {
    const wrong = sha256Digest('something else')
    expect(await errorCode(store.putBlobFromStream(generated(100_000), { digest: wrong }))).toBe('digest-mismatch')
    expect(await errorCode(store.putBlob('abc', { digest: wrong }))).toBe('digest-mismatch')
    expect(await blobEntries()).toEqual([])
    expect(await tmpEntries()).toEqual([])
  })

  it('refuses a size mismatch, stopping as soon as the stream is too long', async () => {
    let pulled = 0
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled += 1
        yield Buffer.alloc(65536, 1)
      }
    }
    expect(await errorCode(store.putBlobFromStream(endless(), { size: 100_000 }))).toBe('size-mismatch')
    expect(pulled).toBe(2)
    expect(await errorCode(store.putBlobFromStream(generated(1000), { size: 1001 }))).toBe('size-mismatch')
    expect(await errorCode(store.putBlob('abc', { size: 4 }))).toBe('size-mismatch')
    expect(await blobEntries()).toEqual([])
    expect(await tmpEntries()).toEqual([])
  })

  it('cleans up when the source fails midway', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(3 * 1024 * 1024, 2)
      throw new Error('connection reset')
    }
    await expect(store.putBlobFromStream(failing())).rejects.toThrow('connection reset')
    expect(await blobEntries()).toEqual([])
    expect(await tmpEntries()).toEqual([])
  })

  it('discards the temp file when the blob is already present, refreshing its mtime', async () => {
    const info = await store.putBlob('same bytes')
    const old = new Date(Date.now() - 3 * 3600_000)
    await utimes(store.blobPath(info.digest), old, old)
    await store.putBlobFromStream(Readable.from([Buffer.from('same bytes')]))
    expect((await stat(store.blobPath(info.digest))).mtimeMs).toBeGreaterThan(Date.now() - 60_000)
    expect(await tmpEntries()).toEqual([])
  })

  it('stores the same content written concurrently once', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.putBlobFromStream(generated(2_000_000, 3))))
    expect(new Set(results.map((r) => r.digest)).size).toBe(1)
    expect(await blobEntries()).toHaveLength(1)
    expect(await tmpEntries()).toEqual([])
  })

  it('detects a corrupted blob when reading with verification', async () => {
    const info = await store.putBlob('{"a":1}')
    const file = store.blobPath(info.digest)
    const bytes = await readFile(file)
    bytes[2] = (bytes[2] ?? 0) ^ 0x01
    await writeFile(file, bytes)
    expect(await errorCode(store.readJson(info.digest))).toBe('corrupt')
    await expect(digestOf(await store.openBlob(info.digest, { verify: true }))).rejects.toThrow(/is corrupt/)
    // Without verification the bytes come through as stored.
    expect((await digestOf(await store.openBlob(info.digest))).size).toBe(7)
  })

  it('reports missing blobs as not-found', async () => {
    const absent = sha256Digest('absent')
    expect(await store.hasBlob(absent)).toBe(false)
    expect(await errorCode(store.blobSize(absent))).toBe('not-found')
    expect(await errorCode(store.openBlob(absent))).toBe('not-found')
    expect(await errorCode(store.readJson(absent))).toBe('not-found')
    expect(await store.removeBlob(absent)).toBe(false)
  })

  it('refuses digests that could escape the store before touching the filesystem', async () => {
    const attempts = [
      'sha256:../../x',
      `sha256:../../../../etc/${'a'.repeat(52)}`,
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'a'.repeat(65)}`,
      `sha512:${'a'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}/`,
      '/etc/passwd',
    ]
    for (const digest of attempts) {
      expect(() => store.blobPath(digest), digest).toThrow(StoreError)
      expect(await errorCode(store.hasBlob(digest))).toBe('invalid-digest')
      expect(await errorCode(store.openBlob(digest))).toBe('invalid-digest')
      expect(await errorCode(store.readJson(digest))).toBe('invalid-digest')
      expect(await errorCode(store.removeBlob(digest))).toBe('invalid-digest')
      expect(await errorCode(store.putBlob('x', { digest }))).toBe('invalid-digest')
      expect(await errorCode(store.putBlobFromStream(Readable.from(['x']), { digest }))).toBe('invalid-digest')
    }
    expect(await tmpEntries()).toEqual([])
  })

  it('lists blobs and names stray files', async () => {
    const a = await store.putBlob('a')
    const b = await store.putBlob('b')
    await writeFile(path.join(store.paths.blobs, 'not-a-blob'), 'x')
    const { blobs, strays } = await store.scanBlobs()
    expect(blobs.map((x) => x.digest)).toEqual([a.digest, b.digest].sort())
    expect(strays).toEqual([path.join(store.paths.blobs, 'not-a-blob')])
  })
})
