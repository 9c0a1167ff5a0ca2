// The stat cache kept in process memory between builds (the app builds the same context again
// and again): reused only while the file on disk is the one this process read or wrote.

import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openBuildContext } from './build-context'
import { forgetStatCacheFiles, isStatCacheFileKnown, KNOWN_STAT_CACHE_FILES_MAX } from './stat-cache'
import type { ContextSpec } from './testdata/make-context'
import { makeContext, removeDir, tempDir } from './testdata/make-context'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
  forgetStatCacheFiles()
})
const fresh = () => {
  const d = tempDir()
  dirs.push(d)
  return d
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const spec: ContextSpec = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d${i % 3}/f${i}.txt`, `content ${i}`]))

async function pass(dir: string, cache: string) {
  const ctx = await openBuildContext({ contextDir: dir, statCachePath: cache, racyWindowMs: 1 })
  const digest = await ctx.digestPath('')
  await ctx.close()
  return { digest, counters: { ...ctx.counters } }
}

interface CacheFileJson {
  entries: Record<string, unknown[]>
}

/** The cache file with every remembered digest replaced by `digest` (a writer that knows otherwise). */
function withDigests(cache: string, digest: string): string {
  const body = JSON.parse(readFileSync(cache, 'utf8')) as CacheFileJson
  for (const t of Object.values(body.entries)) t[8] = digest
  return JSON.stringify(body)
}

const OTHER = `sha256:${'ab'.repeat(32)}`

describe('stat cache in process memory', () => {
  it('keeps an unchanged context warm without re-reading it', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    const cold = await pass(dir, cache)
    expect(isStatCacheFileKnown(cache)).toBe(true)
    const warm = await pass(dir, cache)
    expect(warm).toEqual({ digest: cold.digest, counters: { hashed: 0, cacheHits: 12 } })
  })

  it('uses the records of another writer that replaced the file', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    const cold = await pass(dir, cache)
    writeFileSync(`${cache}.theirs`, withDigests(cache, OTHER))
    renameSync(`${cache}.theirs`, cache)
    // Their records match every file's stat, so they are trusted: the digest is built from them.
    const after = await pass(dir, cache)
    expect(after.counters).toEqual({ hashed: 0, cacheHits: 12 })
    expect(after.digest).not.toBe(cold.digest)
  })

  it('notices a same-size rewrite in place by its mtime', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    const cold = await pass(dir, cache)
    const before = statSync(cache)
    const theirs = withDigests(cache, OTHER)
    expect(theirs.length).toBe(readFileSync(cache, 'utf8').length)
    writeFileSync(cache, theirs)
    utimesSync(cache, before.atime, new Date(before.mtimeMs + 5000))
    expect(statSync(cache).ino).toBe(before.ino)
    expect((await pass(dir, cache)).digest).not.toBe(cold.digest)
  })

  it('hashes everything again when the file was deleted', async () => {
    const dir = makeContext(spec, fresh())
    const cache = path.join(fresh(), 'cache.json')
    await sleep(5)
    await pass(dir, cache)
    rmSync(cache)
    expect((await pass(dir, cache)).counters).toEqual({ hashed: 12, cacheHits: 0 })
  })

  it('holds a bounded number of contexts, forgetting the least recently used', async () => {
    const dir = makeContext(spec, fresh())
    const cacheDir = fresh()
    await sleep(5)
    const caches = Array.from({ length: KNOWN_STAT_CACHE_FILES_MAX + 1 }, (_, i) => path.join(cacheDir, `c${i}.json`))
    for (const c of caches) await pass(dir, c)
    expect(caches.map((c) => isStatCacheFileKnown(c))).toEqual(caches.map((_, i) => i !== 0))
    // A forgotten file is simply read again.
    expect((await pass(dir, caches[0] as string)).counters).toEqual({ hashed: 0, cacheHits: 12 })
    expect(isStatCacheFileKnown(caches[0] as string)).toBe(true)
  })
})
