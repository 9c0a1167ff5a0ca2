import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { EMPTY_LAYER_DIFF_ID, LAYER_MEDIA_TYPE, digestLayerBlob, writeLayer } from './layer-digests'
import type { LayerEntry } from './layer-entry'

const work = mkdtempSync(join(tmpdir(), 'layerlab-digests-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000 }

const source = join(work, 'payload.bin')
writeFileSync(source, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)))
const sample: LayerEntry[] = [
  { type: 'dir', path: 'app', ...meta, mode: 0o755 },
  { type: 'file', path: 'app/payload.bin', ...meta, size: 300_000, content: { from: 'file', path: source } },
  { type: 'file', path: 'app/readme', ...meta, size: 6, content: { from: 'bytes', bytes: Buffer.from('hello\n') } },
  { type: 'whiteout', path: 'app/old' },
]

describe('writeLayer', () => {
  it('reports the gzip blob digest and size and the diffID of the tar inside, in one pass', async () => {
    const path = join(work, 'layer.tar.gz')
    const result = await writeLayer(sample, path)
    const blob = readFileSync(path)
    const tar = gunzipSync(blob)
    expect(result).toEqual({ diffId: sha(tar), digest: sha(blob), size: blob.length, uncompressedSize: tar.length, mediaType: LAYER_MEDIA_TYPE.gzip })
    // GNU tar reads it through gzip: the blob is a well-formed gzip stream of a well-formed tar.
    expect(execFileSync('tar', ['-tzf', path], { encoding: 'utf8' }).trim().split('\n')).toEqual(['app/', 'app/.wh.old', 'app/payload.bin', 'app/readme'])
  })

  it('uncompressed: digest = diffID, and the diffID does not depend on the compression', async () => {
    const gz = await writeLayer(sample, join(work, 'a.tar.gz'), { gzipLevel: 9 })
    const plain = await writeLayer(sample, join(work, 'a.tar'), { compression: 'none' })
    expect(plain.digest).toBe(plain.diffId)
    expect(plain.mediaType).toBe(LAYER_MEDIA_TYPE.none)
    expect(plain.diffId).toBe(gz.diffId)
    expect(plain.size).toBe(gz.uncompressedSize)
  })

  it('is byte-for-byte reproducible, whatever the entry order', async () => {
    const a = await writeLayer(sample, join(work, 'r1.tar.gz'))
    const b = await writeLayer([...sample].reverse(), join(work, 'r2.tar.gz'))
    expect(b).toEqual(a)
    expect(readFileSync(join(work, 'r2.tar.gz'))).toEqual(readFileSync(join(work, 'r1.tar.gz')))
  })

  it('writes the empty layer with the well-known diffID', async () => {
    const result = await writeLayer([], join(work, 'empty.tar.gz'))
    expect(result.diffId).toBe(EMPTY_LAYER_DIFF_ID)
    expect(result.uncompressedSize).toBe(1024)
  })

  it('writes into a Writable, reporting progress', async () => {
    const chunks: Buffer[] = []
    const seen: number[] = []
    const out = new Writable({ write(chunk: Buffer, _e, cb) { chunks.push(chunk); cb() } })
    const result = await writeLayer(sample, out, { onProgress: (n) => seen.push(n) })
    expect(sha(Buffer.concat(chunks))).toBe(result.digest)
    expect(seen.at(-1)).toBe(result.uncompressedSize)
  })

  it('removes a partly written file when a source fails', async () => {
    const path = join(work, 'broken.tar.gz')
    const failing: LayerEntry = {
      type: 'file', path: 'x', ...meta, size: 10,
      content: { from: 'stream', open: () => Readable.from((async function* () { yield Buffer.from('abc'); throw new Error('disk went away') })()) },
    }
    await expect(writeLayer([failing], path)).rejects.toThrow(/disk went away/)
    expect(existsSync(path)).toBe(false)
  })
})

describe('digestLayerBlob', () => {
  it('recovers the digests of gzipped and plain blobs', async () => {
    const written = await writeLayer(sample, join(work, 'd.tar.gz'))
    const read = await digestLayerBlob([readFileSync(join(work, 'd.tar.gz'))])
    expect(read).toEqual({ diffId: written.diffId, digest: written.digest, size: written.size, uncompressedSize: written.uncompressedSize, compressed: true })
    const plain = await digestLayerBlob([gunzipSync(readFileSync(join(work, 'd.tar.gz')))])
    expect(plain).toMatchObject({ diffId: written.diffId, digest: written.diffId, compressed: false })
  })
})
