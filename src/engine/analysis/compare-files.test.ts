import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodeTar, prepareLayerEntries, type LayerEntry } from '../layers'
import { diffFileIndexes, indexLayerFiles } from './compare-files'

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000 }
const file = (path: string, text: string, extra: Partial<typeof meta> = {}): LayerEntry => ({
  type: 'file',
  path,
  ...meta,
  ...extra,
  size: Buffer.byteLength(text),
  content: { from: 'bytes', bytes: Buffer.from(text) },
})
const dir = (path: string, extra: Partial<typeof meta> = {}): LayerEntry => ({ type: 'dir', path, ...meta, mode: 0o755, ...extra })

async function tar(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const lines = (files: ReturnType<typeof diffFileIndexes>): string[] => files.entries.map((e) => `${e.change} ${e.path}${e.differences ? ` [${e.differences.join(',')}]` : ''}`)

describe('file-level diff of two layers', () => {
  it('finds added, removed, changed and mtime-only paths, content compared by hash', async () => {
    const a = await indexLayerFiles(
      await tar([dir('app'), file('app/same.txt', 'same'), file('app/edited.txt', 'hello'), file('app/gone.txt', 'bye'), file('app/touched.txt', 'x'), file('app/chmod.sh', 'run')]),
    )
    const b = await indexLayerFiles(
      gzipSync(
        await tar([
          dir('app', { mtime: 1_700_000_000 }),
          file('app/same.txt', 'same'),
          file('app/edited.txt', 'hallo'), // same size, other bytes
          file('app/new.txt', 'brand new'),
          file('app/touched.txt', 'x', { mtime: 1_700_000_000 }),
          file('app/chmod.sh', 'run', { mode: 0o755 }),
          { type: 'whiteout', path: 'etc/old.conf' },
        ]),
      ),
    )
    const files = diffFileIndexes(a, b, 100)
    expect(lines(files)).toEqual([
      'changed app/chmod.sh [mode]',
      'changed app/edited.txt [content]',
      'added app/new.txt',
      'added etc/old.conf',
      'removed app/gone.txt',
      'mtime-only app [mtime]',
      'mtime-only app/touched.txt [mtime]',
    ])
    expect(files.entries.find((e) => e.path === 'etc/old.conf')?.b?.type).toBe('whiteout')
    expect(files.counts).toEqual({ added: 2, removed: 1, changed: 2, mtimeOnly: 2 })
    // new.txt adds 9 bytes, gone.txt takes 3 away; the edits keep their sizes.
    expect(files.sizeDelta).toBe(9 - 3)
  })

  it('finds nothing between a layer and itself, and lists at most the limit with a count of the rest', async () => {
    const entries = [dir('d'), ...Array.from({ length: 12 }, (_, i) => file(`d/f${String(i).padStart(2, '0')}`, `content ${i}`))]
    const layer = await indexLayerFiles(await tar(entries))
    expect(diffFileIndexes(layer, await indexLayerFiles(await tar(entries)), 100).entries).toEqual([])
    const added = diffFileIndexes(new Map(), layer, 5)
    expect(added.entries.map((e) => e.path)).toEqual(['d', 'd/f00', 'd/f01', 'd/f02', 'd/f03'])
    expect(added.more).toBe(8)
    expect(added.counts.added).toBe(13)
  })

  it('refuses a layer whose names climb out of the root', async () => {
    const bad = await tar([file('ok.txt', 'ok')])
    bad.write('../../evil.txt'.padEnd(100, '\0'), 0, 'latin1')
    // Fix the header checksum so only the name is wrong.
    bad.fill(' ', 148, 156)
    let sum = 0
    for (let i = 0; i < 512; i++) sum += bad[i] as number
    bad.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
    await expect(indexLayerFiles(bad)).rejects.toThrow(/climbs out of the root/)
  })
})
