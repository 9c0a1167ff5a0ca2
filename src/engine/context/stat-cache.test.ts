import { chmodSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OpenContextOptions } from './build-context'
import { openBuildContext } from './build-context'
import type { FileReader } from './file-hasher'
import { nodeFileReader } from './file-hasher'
import type { ContextSpec } from './testdata/make-context'
import { makeContext, removeDir, tempDir } from './testdata/make-context'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})
const fresh = () => {
  const d = tempDir()
  dirs.push(d)
  return d
}

/** A FileReader that records every path opened. */
function countingReader(): FileReader & { opened: string[] } {
  const opened: string[] = []
  return { opened, open: (p) => (opened.push(p), nodeFileReader.open(p)) }
}

const spec: ContextSpec = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`d${i % 4}/f${i}.txt`, `content ${i}`]))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Opens the context, digests everything, saves the cache; returns what was read. */
async function pass(dir: string, cache: string, opts: Partial<OpenContextOptions> = {}) {
  const reader = countingReader()
  // These files were written a moment ago: a 1 ms racy window lets the cache trust them.
  const ctx = await openBuildContext({ contextDir: dir, statCachePath: cache, fileReader: reader, racyWindowMs: 1, ...opts })
  const digest = await ctx.digestPath('')
  await ctx.close()
  return { digest, opened: reader.opened.map((p) => path.relative(dir, p)).sort(), counters: { ...ctx.counters } }
}

describe('stat cache', () => {
  it('re-reads nothing when the context is unchanged', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'nested', 'stat-cache.json')
    await sleep(5)
    const cold = await pass(dir, cache)
    expect(cold.opened).toHaveLength(40)
    expect(cold.counters).toEqual({ hashed: 40, cacheHits: 0 })
    const warm = await pass(dir, cache)
    expect(warm.opened).toEqual([])
    expect(warm.counters).toEqual({ hashed: 0, cacheHits: 40 })
    expect(warm.digest).toBe(cold.digest)
  })

  it('re-hashes exactly the files whose stat changed', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    const first = await pass(dir, cache)
    writeFileSync(path.join(dir, 'd0/f0.txt'), 'new content')
    utimesSync(path.join(dir, 'd1/f1.txt'), new Date(2000, 0, 1), new Date(2000, 0, 1))
    chmodSync(path.join(dir, 'd2/f2.txt'), 0o600)
    rmSync(path.join(dir, 'd3/f3.txt'))
    await sleep(5)
    const second = await pass(dir, cache)
    expect(second.opened).toEqual(['d0/f0.txt', 'd1/f1.txt', 'd2/f2.txt'])
    expect(second.counters).toEqual({ hashed: 3, cacheHits: 36 })
    expect(second.digest).not.toBe(first.digest)
    // The deleted file is dropped from the saved cache.
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, unknown> }
    expect(Object.keys(saved.entries)).toHaveLength(39)
    expect(saved.entries['d3/f3.txt']).toBeUndefined()
  })

  it('leaves the cache file alone when nothing changed, and rewrites it when something did', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    await pass(dir, cache)
    const written = statSync(cache, { bigint: true })
    await pass(dir, cache)
    await pass(dir, cache)
    const after = statSync(cache, { bigint: true })
    expect([after.ino, after.mtimeNs]).toEqual([written.ino, written.mtimeNs])

    rmSync(path.join(dir, 'd3/f3.txt'))
    writeFileSync(path.join(dir, 'd0/f0.txt'), 'edited')
    await sleep(5)
    expect((await pass(dir, cache)).opened).toEqual(['d0/f0.txt'])
    expect(statSync(cache, { bigint: true }).ino).not.toBe(written.ino)
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, unknown> }
    expect(Object.keys(saved.entries)).toHaveLength(39)
    // The next pass trusts the rewritten file: nothing is read again.
    expect((await pass(dir, cache)).opened).toEqual([])
  })

  it('ignores records that are not its own, whatever their name', async () => {
    const dir = makeContext({ constructor: 'c', ['__proto__']: 'p', 'd/toString': 't' }, fresh())
    const cache = path.join(fresh(), 'cache.json')
    writeFileSync(cache, JSON.stringify({ version: 1, ownership: 'reset', savedAt: '', entries: { 'd/toString': [1, '0', '0', '0', '0', 420, 0, 0, 'sha256:forged'] } }))
    await sleep(5)
    const first = await pass(dir, cache)
    expect(first.opened).toEqual(['__proto__', 'constructor', 'd/toString'])
    expect((await pass(dir, cache)).opened).toEqual([])
    expect((await pass(dir, cache)).digest).toBe(first.digest)
  })

  it('does not trust files written just before they were hashed (racy window)', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await pass(dir, cache, { racyWindowMs: 60_000 })
    expect((await pass(dir, cache, { racyWindowMs: 60_000 })).opened).toHaveLength(40)
  })

  it('starts over when the cache is unreadable or was made for another ownership mode', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    writeFileSync(cache, '{ not json')
    await sleep(5)
    expect((await pass(dir, cache)).opened).toHaveLength(40)
    expect((await pass(dir, cache)).opened).toHaveLength(0)
    expect((await pass(dir, cache, { ownership: 'preserve' })).opened).toHaveLength(40)
  })
})
