import { describe, expect, it } from 'vitest'
import { LayerScanCache, type LayerScan } from './layer-scan-cache'

/** A scan listing `n` files (and `gone` deletions), counting how often it was read. */
function layer(n: number, gone = 0): { read: () => Promise<LayerScan>; reads: () => number } {
  let reads = 0
  return {
    read: async () => {
      reads++
      return { files: new Map(Array.from({ length: n }, (_, i) => [`f${i}`, i])), deleted: Array.from({ length: gone }, (_, i) => `d${i}`) }
    },
    reads: () => reads,
  }
}

describe('LayerScanCache', () => {
  it('keeps scans while their paths fit, dropping the least recently used first', async () => {
    const cache = new LayerScanCache(100)
    const [a, b, c] = [layer(40), layer(30, 10), layer(30)]
    await cache.scan('a', a.read)
    await cache.scan('b', b.read)
    expect(cache.size).toBe(80)
    await cache.scan('a', a.read) // a is now the most recent
    await cache.scan('c', c.read) // 110 paths: b goes, not a
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true])
    expect(cache.size).toBe(70)
    await cache.scan('a', a.read)
    await cache.scan('b', b.read)
    expect([a.reads(), b.reads(), c.reads()]).toEqual([1, 2, 1])
  })

  it('bounds by paths, not by layers: one huge layer pushes out many small ones, and is kept alone', async () => {
    const cache = new LayerScanCache(1000)
    for (let i = 0; i < 300; i++) await cache.scan(`small${i}`, layer(1).read)
    expect(cache.size).toBe(300)
    await cache.scan('huge', layer(5000).read)
    expect(cache.has('huge')).toBe(true)
    expect(cache.has('small299')).toBe(false)
    expect(cache.size).toBe(5000)
  })

  it('shares a scan in progress and forgets one that failed', async () => {
    const cache = new LayerScanCache()
    let fail = true
    let reads = 0
    const read = async (): Promise<LayerScan> => {
      reads++
      if (fail) throw new Error('blob gone')
      return { files: new Map([['x', 1]]), deleted: [] }
    }
    await expect(Promise.all([cache.scan('d', read), cache.scan('d', read)])).rejects.toThrow('blob gone')
    expect(reads).toBe(1)
    await Promise.resolve()
    expect(cache.has('d')).toBe(false)
    fail = false
    expect((await cache.scan('d', read)).files.size).toBe(1)
  })
})
