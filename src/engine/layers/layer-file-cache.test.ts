import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tableFromEntries } from '../../shared/layer-file-table'
import { LayerFileCache } from './layer-file-cache'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`
const C = `sha256:${'c'.repeat(64)}`
const tableOf = (chain: string[], size: number) =>
  tableFromEntries({ index: chain.length - 1, diffId: chain[chain.length - 1] ?? '', entryCount: 1 }, [
    { path: 'app/data.bin', change: 'added', type: 'file', mode: 0o644, uid: 0, gid: 0, size },
  ])

let dir: string
let cache: LayerFileCache
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-file-cache-'))
  cache = new LayerFileCache(path.join(dir, 'layer-files'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the layer file cache', () => {
  it('gives back what was written for the same chain of diffIDs', async () => {
    const table = tableOf([A, C], 42)
    await cache.write([A, C], table)
    expect(await cache.read([A, C])).toEqual(table)
    expect(await readdir(path.join(dir, 'layer-files'))).toHaveLength(1) // no temp file left behind
  })

  it('never answers for another chain, even one ending in the same layer', async () => {
    await cache.write([A, C], tableOf([A, C], 42))
    expect(await cache.read([B, C])).toBeUndefined()
    expect(await cache.read([C])).toBeUndefined()
    expect(await cache.read([A])).toBeUndefined()
    // A file copied under another chain's name is refused by its header.
    await writeFile(cache.fileOf([B, C]), await readFile(cache.fileOf([A, C])))
    expect(await cache.read([B, C])).toBeUndefined()
  })

  it('refuses a torn, altered or malformed file', async () => {
    const chain = [A, C]
    await cache.write(chain, tableOf(chain, 42))
    const file = cache.fileOf(chain)
    const good = await readFile(file, 'utf8')
    const tries = [
      good.slice(0, good.length - 10), // torn write
      good.replace('"size":[0,42]', '"size":[0,43]'), // one number changed
      good.slice(0, good.indexOf('\n')), // header only
      'not json\n{}',
      '',
    ]
    expect(good).toContain('"size":[0,42]')
    for (const text of tries) {
      await writeFile(file, text)
      expect(await cache.read(chain)).toBeUndefined()
    }
    // Rewriting replaces the bad file.
    await cache.write(chain, tableOf(chain, 42))
    expect((await cache.read(chain))?.size).toEqual([0, 42])
  })

  it('refuses a file whose digest matches but whose table is not well formed', async () => {
    const chain = [A]
    const bad = { ...tableOf(chain, 1), parent: [5, 0] }
    await cache.write(chain, bad)
    expect(await cache.read(chain)).toBeUndefined()
  })

  it('writing into an unwritable place is only a miss', async () => {
    await writeFile(path.join(dir, 'file'), 'x')
    const blocked = new LayerFileCache(path.join(dir, 'file', 'layer-files'))
    await expect(blocked.write([A], tableOf([A], 1))).resolves.toBeUndefined()
    expect(await blocked.read([A])).toBeUndefined()
  })
})
