import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { tarOf, type RawMember } from '../image-io/test-fixtures.test-support'
import { TarFormatError } from '../layers'
import { analyzeLayers, type LayerAnalysis } from './waste'

const bytes = (n: number, fill = 1): Buffer => Buffer.alloc(n, fill)
const file = (name: string, data: Buffer | string): RawMember => ({ name, data })
const whiteout = (name: string): RawMember => ({ name })
const dir = (name: string): RawMember => ({ name, type: 'dir' })
const link = (name: string, target: string): RawMember => ({ name, type: 'hardlink', linkname: target })

/** Analyzes layers given as member lists (base first), each a real tar streamed by the engine. */
async function analyze(...layers: RawMember[][]): Promise<LayerAnalysis> {
  const tars = await Promise.all(layers.map((members) => tarOf(members)))
  const result = await analyzeLayers(tars.map((tar, i) => ({ diffId: `layer-${i}`, createdBy: `step ${i}`, open: () => [tar] })))
  // The totals must always add up, whatever the case.
  expect(result.wastedBytes).toBe(result.storedBytes - result.liveBytes)
  expect(result.wastedBytes).toBe(result.layers.reduce((s, l) => s + l.discardedBytes, 0))
  return result
}

describe('wasted space', () => {
  it('counts a file overwritten by a later layer once, as the bytes of the copy no longer seen', async () => {
    const r = await analyze([dir('app'), file('app/data.bin', bytes(1000))], [file('app/data.bin', bytes(300, 2))])
    expect(r).toMatchObject({ storedBytes: 1300, liveBytes: 300, wastedBytes: 1000, efficiency: 300 / 1300, wastedPathCount: 1 })
    expect(r.wastedPaths).toEqual([
      { path: 'app/data.bin', wastedBytes: 1000, copies: 1, writtenIn: [0], removedIn: [1], stillPresent: true, unchangedRewrites: 0 },
    ])
    expect(r.layers.map((l) => [l.storedBytes, l.wastedBytes, l.discardedBytes])).toEqual([
      [1000, 1000, 0],
      [300, 0, 1000],
    ])
    expect(r.layers[1]).toMatchObject({ diffId: 'layer-1', createdBy: 'step 1' })
  })

  it('counts a file deleted by a whiteout', async () => {
    const r = await analyze([file('tmp/big.tar', bytes(5000)), file('etc/conf', 'x=1\n')], [whiteout('tmp/.wh.big.tar')])
    expect(r).toMatchObject({ storedBytes: 5004, liveBytes: 4, wastedBytes: 5000 })
    expect(r.wastedPaths).toEqual([
      { path: 'tmp/big.tar', wastedBytes: 5000, copies: 1, writtenIn: [0], removedIn: [1], stillPresent: false, unchangedRewrites: 0 },
    ])
  })

  it('lists a deleted directory once, with the files of every layer under it', async () => {
    const r = await analyze(
      [dir('cache'), file('cache/a', bytes(100)), file('cache/b', bytes(200))],
      [file('cache/c', bytes(400)), file('keep', bytes(7))],
      [whiteout('.wh.cache')],
    )
    expect(r.wastedBytes).toBe(700)
    expect(r.wastedPaths).toEqual([
      { path: 'cache', wastedBytes: 700, copies: 3, writtenIn: [0, 1], removedIn: [2], stillPresent: false, unchangedRewrites: 0 },
    ])
    expect(r.layers.map((l) => l.wastedBytes)).toEqual([300, 400, 0])
  })

  it('counts what an opaque directory hides, wherever its marker sits in the tar', async () => {
    const base = [dir('var'), dir('var/lib'), file('var/lib/a', bytes(100)), file('var/lib/b', bytes(200))]
    for (const upper of [
      [dir('var/lib'), file('var/lib/.wh..wh..opq', ''), file('var/lib/c', bytes(50))],
      [dir('var/lib'), file('var/lib/c', bytes(50)), file('var/lib/.wh..wh..opq', '')],
    ]) {
      const r = await analyze(base, upper)
      expect(r).toMatchObject({ storedBytes: 350, liveBytes: 50, wastedBytes: 300 })
      expect(r.wastedPaths).toEqual([
        { path: 'var/lib', wastedBytes: 300, copies: 2, writtenIn: [0], removedIn: [1], stillPresent: true, unchangedRewrites: 0 },
      ])
      expect(r.biggestFiles).toEqual([{ path: 'var/lib/c', size: 50, layer: 1 }])
    }
  })

  // The definition: every dead copy counts once, by its own size. A path rewritten by layers 1
  // and 2 has two dead copies (layer 0's and layer 1's) and is one row; deleting a path again
  // later adds nothing.
  it('counts a file overwritten twice as its two dead copies, in one row, and a second deletion as nothing', async () => {
    const r = await analyze([file('a', bytes(1000, 1))], [file('a', bytes(1000, 2))], [file('a', bytes(10, 3))])
    expect(r).toMatchObject({ storedBytes: 2010, liveBytes: 10, wastedBytes: 2000, wastedPathCount: 1 })
    expect(r.wastedPaths[0]).toEqual({ path: 'a', wastedBytes: 2000, copies: 2, writtenIn: [0, 1], removedIn: [1, 2], stillPresent: true, unchangedRewrites: 0 })

    const twice = await analyze([file('a', bytes(1000))], [whiteout('.wh.a')], [whiteout('.wh.a')])
    expect(twice).toMatchObject({ wastedBytes: 1000, wastedPathCount: 1, efficiency: 0 })
    expect(twice.wastedPaths[0]).toMatchObject({ copies: 1, removedIn: [1] })
  })

  it('tells a rewrite with the same bytes (chmod, touch) from a real change', async () => {
    const r = await analyze([file('bin/tool', bytes(800, 7))], [file('bin/tool', bytes(800, 7))])
    expect(r.wastedPaths[0]).toMatchObject({ path: 'bin/tool', wastedBytes: 800, unchangedRewrites: 1 })
  })

  it('keeps a hard-linked copy alive while any of its names is left, and counts it once', async () => {
    const base = [file('usr/bin/a', bytes(1000)), link('usr/bin/b', 'usr/bin/a')]
    const one = await analyze(base, [whiteout('usr/bin/.wh.a')])
    expect(one).toMatchObject({ storedBytes: 1000, liveBytes: 1000, wastedBytes: 0, efficiency: 1, wastedPaths: [] })
    expect(one.biggestFiles).toEqual([{ path: 'usr/bin/b', size: 1000, layer: 0 }])

    const both = await analyze(base, [whiteout('usr/bin/.wh.a')], [whiteout('usr/bin/.wh.b')])
    expect(both).toMatchObject({ storedBytes: 1000, liveBytes: 0, wastedBytes: 1000 })
    expect(both.wastedPaths).toEqual([{ path: 'usr/bin/b', wastedBytes: 1000, copies: 1, writtenIn: [0], removedIn: [2], stillPresent: false, unchangedRewrites: 0 }])

    // A link in a later layer to a lower file keeps that file alive when its first name goes.
    const later = await analyze([file('a', bytes(600))], [link('b', 'a')], [whiteout('.wh.a')])
    expect(later).toMatchObject({ wastedBytes: 0, liveBytes: 600 })
  })

  it('counts the files under a directory that a later layer replaces with a file', async () => {
    const r = await analyze([dir('opt'), file('opt/x', bytes(100)), file('opt/y', bytes(100))], [file('opt', bytes(3))])
    expect(r.wastedPaths).toEqual([{ path: 'opt', wastedBytes: 200, copies: 2, writtenIn: [0], removedIn: [1], stillPresent: true, unchangedRewrites: 0 }])
  })

  it('does not count empty files, and scores an image without file data as fully efficient', async () => {
    const r = await analyze([file('empty', ''), dir('d')], [whiteout('.wh.empty')])
    expect(r).toMatchObject({ storedBytes: 0, wastedBytes: 0, efficiency: 1, wastedPaths: [], biggestFiles: [] })
  })
})

describe('duplicates and biggest files', () => {
  it('finds the same content stored by two layers at different paths', async () => {
    const lib = bytes(4096, 9)
    const r = await analyze(
      [file('usr/lib/libz.so', lib), file('usr/lib/other', bytes(4096, 8))],
      [file('app/vendor/libz.so', lib), file('app/main', bytes(100, 1))],
      [file('app/copy-of-main', bytes(100, 1))],
    )
    const digest = `sha256:${createHash('sha256').update(lib).digest('hex')}`
    expect(r.duplicates).toEqual([
      { digest, size: 4096, files: [{ path: 'usr/lib/libz.so', size: 4096, layer: 0 }, { path: 'app/vendor/libz.so', size: 4096, layer: 1 }], reclaimableBytes: 4096 },
      expect.objectContaining({ size: 100, files: [{ path: 'app/main', size: 100, layer: 1 }, { path: 'app/copy-of-main', size: 100, layer: 2 }] }),
    ])
    expect(r).toMatchObject({ duplicateGroupCount: 2, duplicateBytes: 4196 })
  })

  it('ignores copies within one layer and copies the image no longer shows', async () => {
    const same = bytes(500, 4)
    const r = await analyze([file('a', same), file('b', same)], [file('c', bytes(10))])
    expect(r).toMatchObject({ duplicates: [], duplicateGroupCount: 0, duplicateBytes: 0 })
    const gone = await analyze([file('a', same)], [file('b', same), whiteout('.wh.a')])
    expect(gone.duplicates).toEqual([])
  })

  it('lists the largest files of the final image, largest first, with their layer', async () => {
    const r = await analyze([file('s', bytes(10)), file('m', bytes(200)), file('l', bytes(3000))], [file('m', bytes(5000)), { name: 'ln', type: 'symlink', linkname: 'l' }])
    expect(r.biggestFiles).toEqual([
      { path: 'm', size: 5000, layer: 1 },
      { path: 'l', size: 3000, layer: 0 },
      { path: 's', size: 10, layer: 0 },
    ])
  })
})

describe('reading layers', () => {
  it('reads gzip layers as well as plain ones', async () => {
    const plain = await tarOf([file('a', bytes(100))])
    const upper = gzipSync(await tarOf([whiteout('.wh.a')]))
    const r = await analyzeLayers([
      { diffId: 'a', createdBy: '', open: () => [plain] },
      { diffId: 'b', createdBy: '', open: () => [upper] },
    ])
    expect(r.wastedBytes).toBe(100)
  })

  it('streams a large layer without holding it: 96 MB pass through in chunks', async () => {
    const size = 96 << 20
    const header = (await tarOf([file('huge', bytes(1))])).subarray(0, 512)
    // Rewrite the size field (octal, 12 bytes at 124) and the checksum for a 96 MB member.
    header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1')
    header.fill(0x20, 148, 156)
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    let peak = 0
    async function* source(): AsyncGenerator<Uint8Array> {
      yield header
      const chunk = Buffer.alloc(1 << 20, 5)
      for (let i = 0; i < size >> 20; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers)
        yield chunk
      }
      yield Buffer.alloc(1024)
    }
    const before = process.memoryUsage().arrayBuffers
    const r = await analyzeLayers([{ diffId: 'x', createdBy: '', open: () => source() }])
    expect(r.biggestFiles).toEqual([{ path: 'huge', size, layer: 0 }])
    expect(peak - before).toBeLessThan(32 << 20)
  })

  it('refuses a layer whose names climb out of the root, naming the entry', async () => {
    const bad = await tarOf([file('../../etc/passwd', 'x')])
    await expect(analyzeLayers([{ diffId: 'x', createdBy: '', open: () => [bad] }])).rejects.toThrow(TarFormatError)
    await expect(analyzeLayers([{ diffId: 'x', createdBy: '', open: () => [bad] }])).rejects.toThrow('"../../etc/passwd" climbs out of the root')
  })
})
