import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { LayerEntry } from './layer-entry'
import { BLOCK_SIZE, FIELD, encodeHeader, encodeUstarBlock, type TarHeader } from './tar-header'
import { decompressedLayer, readLayer, readTar, sniffCompression } from './tar-reader'
import { encodeTar, prepareLayerEntries } from './tar-writer'

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1 }
const file = (path: string, text: string): LayerEntry => ({ type: 'file', path, ...meta, size: text.length, content: { from: 'bytes', bytes: Buffer.from(text) } })

async function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Feed bytes in awkward pieces, to exercise reassembly across chunk boundaries. */
function dribble(bytes: Buffer, size: number): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
  })())
}

async function collect(source: AsyncIterable<{ header: { name: string }; body: AsyncIterable<Buffer> }>, readBodies = true): Promise<[string, string][]> {
  const out: [string, string][] = []
  for await (const { header, body } of source) {
    let data = ''
    if (readBodies) for await (const chunk of body) data += chunk.toString()
    out.push([header.name, data])
  }
  return out
}

const sample = [file('a', 'x'.repeat(1000)), file('b', 'second'), file('c', '')]

describe('readTar', () => {
  it('reads members whatever the chunking, and skips bodies left unread', async () => {
    const bytes = await tarOf(sample)
    const expected = [['a', 'x'.repeat(1000)], ['b', 'second'], ['c', '']]
    for (const size of [1, 7, 511, 512, 513, 100_000]) expect(await collect(readTar(dribble(bytes, size)))).toEqual(expected)
    expect(await collect(readTar(dribble(bytes, 3)), false)).toEqual(expected.map(([n]) => [n, '']))
  })

  it('refuses to read a body after the next member was requested', async () => {
    const bodies: AsyncIterable<Buffer>[] = []
    for await (const { body } of readTar([await tarOf(sample)])) bodies.push(body)
    await expect((async () => { for await (const _ of bodies[0] ?? []) break })()).rejects.toThrow(/read after moving to the next member/)
  })

  it('stops at the first zero block and tolerates a missing end-of-archive', async () => {
    const bytes = await tarOf(sample)
    const withoutEnd = bytes.subarray(0, bytes.length - 1024)
    expect(await collect(readTar([withoutEnd]))).toHaveLength(3)
    const trailingGarbage = Buffer.concat([bytes, Buffer.from('garbage after the end')])
    expect(await collect(readTar([trailingGarbage]))).toHaveLength(3)
  })

  it('names the member when the archive is cut inside it', async () => {
    const bytes = await tarOf(sample)
    await expect(collect(readTar([bytes.subarray(0, 512 + 300)]))).rejects.toThrow(/truncated inside "a"/)
    await expect(collect(readTar([bytes.subarray(0, 512 + 300)]), false)).rejects.toThrow(/truncated inside "a"/)
    await expect(collect(readTar([bytes.subarray(0, 100)]))).rejects.toThrow(/truncated inside a header/)
  })

  it('rejects an extension header that describes no member', async () => {
    const withPax = encodeHeader({ name: 'ü', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 })
    const orphan = withPax.subarray(0, withPax.length - BLOCK_SIZE) // PAX header and records, no ustar block
    await expect(collect(readTar([orphan, Buffer.alloc(1024)]))).rejects.toThrow(/ends after an extension header/)
  })

  it('rejects a header whose checksum is wrong', async () => {
    const bytes = Buffer.from(await tarOf(sample))
    bytes[FIELD.name[0]] = 'z'.charCodeAt(0)
    await expect(collect(readTar([bytes]))).rejects.toThrow(/bad header checksum at byte 0/)
  })

  it('refuses sparse files and oversized extension headers', async () => {
    const block = (h: Partial<TarHeader>, typeflag: string, size = 0): Buffer =>
      encodeUstarBlock({ name: h.name ?? 'x', prefix: '', typeflag, mode: 0o644, uid: 0, gid: 0, size, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 })
    await expect(collect(readTar([block({ name: 'holes' }, 'S'), Buffer.alloc(1024)]))).rejects.toThrow(/unsupported sparse file "holes"/)
    const hugePax = Buffer.concat([block({ name: 'p' }, 'x', 5 << 20), Buffer.alloc(BLOCK_SIZE)])
    await expect(collect(readTar([hugePax]))).rejects.toThrow(/exceeds/)
  })

  it('reads GNU long names and long link targets', async () => {
    const longName = `${'n'.repeat(300)}/file`
    const gnuLong = (flag: string, value: string): Buffer => {
      const data = Buffer.from(`${value}\0`)
      const pad = Buffer.alloc((BLOCK_SIZE - (data.length % BLOCK_SIZE)) % BLOCK_SIZE)
      return Buffer.concat([encodeUstarBlock({ name: '././@LongLink', prefix: '', typeflag: flag, mode: 0, uid: 0, gid: 0, size: data.length, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 }), data, pad])
    }
    const link = encodeHeader({ name: 'short', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkname: 'truncated' })
    const bytes = Buffer.concat([gnuLong('L', longName), gnuLong('K', `/${'t'.repeat(200)}`), link, Buffer.alloc(1024)])
    const [entry] = await (async () => { const out = []; for await (const e of readTar([bytes])) out.push(e.header); return out })()
    expect(entry).toMatchObject({ name: longName, type: 'symlink', linkname: `/${'t'.repeat(200)}` })
  })

  it('ignores the size field of header-only members, as Go does', async () => {
    const dir = encodeUstarBlock({ name: 'd/', prefix: '', typeflag: '5', mode: 0o755, uid: 0, gid: 0, size: 4096, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 })
    const bytes = Buffer.concat([dir, await tarOf([file('after', 'ok')])])
    expect(await collect(readTar([bytes]))).toEqual([['d/', ''], ['after', 'ok']])
  })
})

describe('layer blobs', () => {
  it('sniffs gzip and reads through it; plain tars pass as they are', async () => {
    const bytes = await tarOf(sample)
    expect(sniffCompression(gzipSync(bytes))).toBe('gzip')
    expect(sniffCompression(bytes)).toBe('none')
    expect(await collect(readLayer(dribble(gzipSync(bytes), 5)))).toHaveLength(3)
    expect(await collect(readLayer(dribble(bytes, 5)))).toHaveLength(3)
    expect(await collect(readLayer([]))).toEqual([])
  })

  it('names compressions it cannot read', async () => {
    await expect(decompressedLayer([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])])).rejects.toThrow(/zstd-compressed layers are not supported/)
    await expect(decompressedLayer([Buffer.from('BZh91AY')])).rejects.toThrow(/bzip2/)
  })

  it('closes the blob file of a layer it cannot read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'layerlab-zstd-'))
    try {
      const blob = path.join(dir, 'layer.zst')
      await writeFile(blob, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(1 << 20, 7)]))
      const source = createReadStream(blob, { highWaterMark: 64 })
      await expect(decompressedLayer(source)).rejects.toThrow(/zstd-compressed layers are not supported/)
      expect(source.destroyed).toBe(true)
      await new Promise<void>((resolve) => (source.closed ? resolve() : source.once('close', () => resolve())))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reports a corrupt gzip stream as an error, not as an empty layer', async () => {
    const gz = gzipSync(await tarOf(sample))
    gz[gz.length - 5] = (gz[gz.length - 5] ?? 0) ^ 0xff // break the length/CRC trailer
    await expect(collect(readLayer([gz]))).rejects.toThrow()
  })
})
