import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LayerEntry } from './layer-entry'
import { readTar, type TarEntryHeader } from './tar-reader'
import { encodeTar, prepareLayerEntries, writeTar } from './tar-writer'

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000 }
const file = (path: string, text = '', extra: Partial<typeof meta> = {}): LayerEntry => ({
  type: 'file', path, ...meta, ...extra, size: Buffer.byteLength(text), content: { from: 'bytes', bytes: Buffer.from(text) },
})
const dir = (path: string, extra: Partial<typeof meta> = {}): LayerEntry => ({ type: 'dir', path, ...meta, mode: 0o755, ...extra })

async function tarBytes(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

async function members(bytes: Buffer): Promise<{ header: TarEntryHeader; data: string }[]> {
  const out = []
  for await (const { header, body } of readTar([bytes])) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(chunk)
    out.push({ header, data: Buffer.concat(chunks).toString() })
  }
  return out
}

const names = async (entries: LayerEntry[]): Promise<string[]> => (await members(await tarBytes(entries))).map((m) => m.header.name)

describe('entry order', () => {
  it('is a depth-first walk with names sorted bytewise, parents before children', async () => {
    const entries = [file('a-c'), file('a/b'), dir('a'), file('B'), file('a0'), dir('a/z'), file('a/z/1'), file('é'), file('z')]
    expect(await names(entries)).toEqual(['B', 'a/', 'a/b', 'a/z/', 'a/z/1', 'a-c', 'a0', 'z', 'é'])
  })

  it('puts opaque markers, then whiteouts, before the other members of a directory', async () => {
    const entries: LayerEntry[] = [dir('d'), file('d/-dash'), file('d/a'), { type: 'whiteout', path: 'd/zz' }, { type: 'opaque', path: 'd' }, { type: 'whiteout', path: 'd/b' }, file('c')]
    expect(await names(entries)).toEqual(['c', 'd/', 'd/.wh..wh..opq', 'd/.wh.b', 'd/.wh.zz', 'd/-dash', 'd/a'])
  })

  it('does not depend on the order entries are given in', async () => {
    const entries: LayerEntry[] = [
      dir('usr'), dir('usr/bin'), file('usr/bin/tool', 'x'.repeat(700), { mode: 0o4755 }), { type: 'hardlink', path: 'usr/bin/alias', linkTarget: 'usr/bin/tool' },
      { type: 'symlink', path: 'bin', linkTarget: 'usr/bin', ...meta, mode: 0o777 }, { type: 'whiteout', path: 'etc/old' }, dir('etc'), file('etc/new', 'n'),
      { type: 'fifo', path: 'run/pipe', ...meta }, { type: 'char', path: 'dev/null', ...meta, devMajor: 1, devMinor: 3 }, { type: 'opaque', path: 'etc' },
    ]
    const digest = async (list: LayerEntry[]): Promise<string> => createHash('sha256').update(await tarBytes(list)).digest('hex')
    const expected = await digest(entries)
    await fc.assert(fc.asyncProperty(fc.shuffledSubarray(entries, { minLength: entries.length }), async (shuffled) => {
      expect(await digest(shuffled)).toBe(expected)
    }), { numRuns: 30 })
  })
})

describe('hard links', () => {
  it('makes the name that sorts first carry the data and links the others to it', async () => {
    const entries: LayerEntry[] = [file('z/data', 'payload', { mode: 0o750, uid: 7 }), { type: 'hardlink', path: 'a/first', linkTarget: 'z/data' }, { type: 'hardlink', path: 'm/mid', linkTarget: 'a/first' }]
    const out = await members(await tarBytes(entries))
    expect(out.map((m) => [m.header.name, m.header.type, m.header.linkname ?? '', m.data])).toEqual([
      ['a/first', 'file', '', 'payload'],
      ['m/mid', 'hardlink', 'a/first', ''],
      ['z/data', 'hardlink', 'a/first', ''],
    ])
    // Link members repeat the inode's metadata, as Docker's archiver writes them.
    expect(out[2]?.header).toMatchObject({ mode: 0o750, uid: 7, size: 0 })
  })

  it('refuses links to nothing, to directories and in cycles', () => {
    expect(() => prepareLayerEntries([{ type: 'hardlink', path: 'l', linkTarget: 'missing' }])).toThrow(/not a file in this layer/)
    expect(() => prepareLayerEntries([dir('d'), { type: 'hardlink', path: 'l', linkTarget: 'd' }])).toThrow(/directory/)
    expect(() => prepareLayerEntries([{ type: 'hardlink', path: 'a', linkTarget: 'b' }, { type: 'hardlink', path: 'b', linkTarget: 'a' }])).toThrow(/cycle/)
  })
})

describe('validation', () => {
  it('cleans paths and rejects what a layer cannot hold', async () => {
    expect(await names([file('/abs/x'), file('./rel/y'), dir('trailing/')])).toEqual(['abs/x', 'rel/y', 'trailing/'])
    expect(() => prepareLayerEntries([file('../up')])).toThrow(/climbs above/)
    expect(() => prepareLayerEntries([dir('/')])).toThrow(/root directory/)
    expect(() => prepareLayerEntries([file('a'), file('/a')])).toThrow(/twice/)
    expect(() => prepareLayerEntries([file('d/.wh.x')])).toThrow(/whiteout name/)
    expect(() => prepareLayerEntries([file('.wh..wh..opq/x')])).toThrow(/whiteout name/)
    expect(() => prepareLayerEntries([{ ...file('f', 'abc'), size: 2 } as LayerEntry])).toThrow(/size 2 but 3 bytes/)
  })

  it('fails when streamed content does not match the declared size', async () => {
    const short: LayerEntry = { type: 'file', path: 'f', ...meta, size: 10, content: { from: 'stream', open: () => Readable.from([Buffer.from('abc')]) } }
    await expect(tarBytes([short])).rejects.toThrow(/ended before its declared size of 10/)
    const long: LayerEntry = { type: 'file', path: 'f', ...meta, size: 1, content: { from: 'stream', open: () => Readable.from([Buffer.from('abc')]) } }
    await expect(tarBytes([long])).rejects.toThrow(/grew past/)
  })

  it('reads files from disk, small and large, and notices one that changed size since it was listed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'layerlab-tar-files-'))
    try {
      const small = Buffer.from('small file\n')
      const large = Buffer.alloc(300 * 1024, 7)
      writeFileSync(join(root, 'small'), small)
      writeFileSync(join(root, 'large'), large)
      const fromDisk = (path: string, name: string, size: number, noFollow = false): LayerEntry => ({
        type: 'file', path: name, ...meta, size, content: { from: 'file', path: join(root, path), noFollow },
      })
      const got = await members(await tarBytes([fromDisk('small', 'a', small.length), fromDisk('large', 'b', large.length)]))
      expect(got.map((m) => [m.header.name, m.data.length])).toEqual([['a', small.length], ['b', large.length]])
      expect(got[0]?.data).toBe(small.toString())
      for (const name of ['small', 'large']) {
        const size = name === 'small' ? small.length : large.length
        await expect(tarBytes([fromDisk(name, 'f', size + 5)])).rejects.toThrow(/ended before its declared size/)
        await expect(tarBytes([fromDisk(name, 'f', size - 5)])).rejects.toThrow(/grew past/)
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('does not read through a symlink that replaced a file when told not to follow', async () => {
    const root = mkdtempSync(join(tmpdir(), 'layerlab-tar-nofollow-'))
    try {
      writeFileSync(join(root, 'secret'), 'outside')
      symlinkSync(join(root, 'secret'), join(root, 'swapped'))
      const entry = (noFollow: boolean, size: number): LayerEntry => ({
        type: 'file', path: 'f', ...meta, size, content: { from: 'file', path: join(root, 'swapped'), noFollow },
      })
      await expect(tarBytes([entry(true, 7)])).rejects.toThrow(/ELOOP/)
      writeFileSync(join(root, 'secret'), Buffer.alloc(100 * 1024))
      await expect(tarBytes([entry(true, 100 * 1024)])).rejects.toThrow(/ELOOP/)
      expect((await members(await tarBytes([entry(false, 100 * 1024)])))[0]?.data.length).toBe(100 * 1024)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('archive framing', () => {
  it('ends with two zero blocks; an empty layer is exactly 1024 zero bytes', async () => {
    const empty = await tarBytes([])
    expect(empty).toEqual(Buffer.alloc(1024))
    expect(`sha256:${createHash('sha256').update(empty).digest('hex')}`).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef')
    const one = await tarBytes([file('f', 'x'.repeat(513))])
    expect(one.length).toBe(512 + 1024 + 1024)
    expect(one.subarray(one.length - 1024)).toEqual(Buffer.alloc(1024))
  })

  it('streams file data from a Readable factory, opened only when written', async () => {
    let opened = 0
    const big = 3 * 1024 * 1024 + 17
    const entry: LayerEntry = {
      type: 'file', path: 'big', ...meta, size: big,
      content: { from: 'stream', open: () => { opened++; return Readable.from((function* () { for (let left = big; left > 0; left -= 65536) yield Buffer.alloc(Math.min(65536, left), 7) })()) } },
    }
    const prepared = prepareLayerEntries([entry])
    expect(opened).toBe(0)
    let total = 0
    let largest = 0
    await writeTar([entry], new Writable({ write(chunk: Buffer, _e, cb) { total += chunk.length; largest = Math.max(largest, chunk.length); cb() } }))
    expect(opened).toBe(1)
    expect(prepared).toHaveLength(1)
    expect(total).toBe(512 + big + (512 - (big % 512)) + 1024)
    expect(largest).toBeLessThanOrEqual(65536) // never gathered into one buffer
  })
})

describe('round trip through the reader', () => {
  const segment = fc.stringMatching(/^[a-zA-Z0-9._é€ü-]{1,40}$/).filter((s) => s !== '.' && s !== '..' && !s.startsWith('.wh.'))
  const entryArb = fc.record({
    path: fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/')),
    kind: fc.constantFrom('file', 'symlink', 'fifo', 'char'),
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: fc.oneof(fc.nat({ max: 70000 }), fc.constant(300000), fc.constant(4294967294)),
    gid: fc.oneof(fc.nat({ max: 70000 }), fc.constant(2097152)),
    mtime: fc.integer({ min: 0, max: 2 ** 33 }),
    text: fc.string({ maxLength: 600 }),
    target: fc.string({ minLength: 1, maxLength: 200 }).filter((t) => !t.includes('\0')),
  })

  it('gives back every name, type, mode, owner, time, link target and byte', async () => {
    await fc.assert(fc.asyncProperty(fc.uniqueArray(entryArb, { selector: (e) => e.path.toLowerCase(), maxLength: 12 }), async (specs) => {
      // Leaf paths only: drop any spec whose path is a parent of another.
      const leaves = specs.filter((s) => !specs.some((o) => o.path.startsWith(`${s.path}/`)))
      const entries: LayerEntry[] = leaves.map((s) => {
        const m = { path: s.path, mode: s.mode, uid: s.uid, gid: s.gid, mtime: s.mtime }
        if (s.kind === 'file') return { ...m, type: 'file', size: Buffer.byteLength(s.text), content: { from: 'bytes', bytes: Buffer.from(s.text) } }
        if (s.kind === 'symlink') return { ...m, type: 'symlink', linkTarget: s.target }
        if (s.kind === 'char') return { ...m, type: 'char', devMajor: s.uid % 4096, devMinor: s.gid % 100000 }
        return { ...m, type: 'fifo' }
      })
      const out = await members(await tarBytes(entries))
      const byName = new Map(out.map((m) => [m.header.name, m]))
      expect(out).toHaveLength(entries.length)
      for (const [i, e] of entries.entries()) {
        const spec = leaves[i]
        const got = byName.get(e.path)
        expect(got?.header).toMatchObject({ type: e.type, mode: spec?.mode, uid: spec?.uid, gid: spec?.gid, mtime: spec?.mtime })
        if (e.type === 'file') expect(got?.data).toBe(spec?.text)
        if (e.type === 'symlink') expect(got?.header.linkname).toBe(spec?.target)
        if (e.type === 'char') expect([got?.header.devmajor, got?.header.devminor]).toEqual([e.devMajor, e.devMinor])
      }
    }), { numRuns: 150 })
  })
})
