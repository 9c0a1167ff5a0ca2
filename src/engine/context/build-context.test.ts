import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openBuildContext } from './build-context'
import { CopySourceError } from './errors'
import { createStreamHasher } from './file-hasher'
import type { ContextSpec } from './testdata/make-context'
import { makeContext, removeDir, tempDir } from './testdata/make-context'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})
const context = (spec: ContextSpec) => {
  const d = makeContext(spec)
  dirs.push(d)
  return d
}

describe('openBuildContext', () => {
  it('applies the Dockerfile-specific .dockerignore to the walk', async () => {
    const dir = context({
      '.dockerignore': 'a.txt\n',
      'docker/app.Dockerfile': 'FROM scratch\n',
      'docker/app.Dockerfile.dockerignore': 'b.txt\ndocker\n',
      'a.txt': 'a',
      'b.txt': 'b',
    })
    const ctx = await openBuildContext({ contextDir: dir, dockerfilePath: 'docker/app.Dockerfile', hasher: createStreamHasher() })
    expect(ctx.dockerignore.source).toBe('dockerfile')
    expect(ctx.entries.map((e) => e.relPath)).toEqual(['.dockerignore', 'a.txt'])
    expect(() => ctx.selectCopySources(['b.txt'])).toThrow(CopySourceError)
    expect(() => ctx.selectCopySources(['b.txt'])).toThrow('"/b.txt": not found')
    await ctx.close()
  })

  it('takes explicit exclude patterns instead of any .dockerignore', async () => {
    const dir = context({ '.dockerignore': 'a.txt\n', 'a.txt': 'a', 'b.txt': 'b' })
    const ctx = await openBuildContext({ contextDir: dir, excludePatterns: ['b.txt'], hasher: createStreamHasher() })
    expect(ctx.entries.map((e) => e.relPath)).toEqual(['.dockerignore', 'a.txt'])
    await ctx.close()
  })

  it('reports an invalid .dockerignore pattern as fsutil does', async () => {
    const dir = context({ '.dockerignore': 'x\n!\n', a: '' })
    await expect(openBuildContext({ contextDir: dir })).rejects.toThrow('invalid excludepatterns: [x !]: illegal exclusion pattern: "!"')
  })

  it('digests a path the same however it is spelled, following a symlink unless told not to', async () => {
    const dir = context({ 'd/a.txt': 'a', 'd/b.txt': 'b', 'link-to-a': { symlink: 'd/a.txt' }, 'link-to-d': { symlink: 'd' } })
    const ctx = await openBuildContext({ contextDir: dir, hasher: createStreamHasher() })
    const a = await ctx.digestPath('d/a.txt')
    expect(await ctx.digestPath('d/../d/a.txt')).toBe(a)
    expect(await ctx.digestPath('/d/a.txt')).toBe(a)
    expect(await ctx.digestPath('link-to-a')).toBe(a)
    expect(await ctx.digestPath('link-to-d/a.txt')).toBe(a)
    expect(await ctx.digestPath('link-to-a', { followSymlinks: false })).not.toBe(a)
    expect(await ctx.digestPath('d/b.txt')).not.toBe(a)
    expect(await ctx.digestPath('d')).toBe(await ctx.digestPath('link-to-d'))
    await expect(ctx.digestPath('d/missing')).rejects.toThrow(CopySourceError)
    await ctx.close()
  })

  it('saves the stat cache on close and stops its workers', async () => {
    const dir = context({ 'a.txt': 'a' })
    const cache = path.join(tempDir(), 'cache.json')
    dirs.push(path.dirname(cache))
    const ctx = await openBuildContext({ contextDir: dir, statCachePath: cache, racyWindowMs: 0 })
    await new Promise((r) => setTimeout(r, 5))
    const d = await ctx.digestPath('a.txt')
    await ctx.close()
    expect(existsSync(cache)).toBe(true)
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { ownership: string; entries: Record<string, unknown[]> }
    expect(saved.ownership).toBe('reset')
    expect(saved.entries['a.txt']?.at(-1)).toBe(d)
  })

  it('gives the digests a warm rebuild knows at once, and still reads a file that changed', async () => {
    const dir = context({ 'd/a.txt': 'a', 'd/b.txt': 'b', 'c.txt': 'c' })
    const cache = path.join(tempDir(), 'cache.json')
    dirs.push(path.dirname(cache))
    await new Promise((r) => setTimeout(r, 5))
    const cold = await openBuildContext({ contextDir: dir, statCachePath: cache, racyWindowMs: 0, hasher: createStreamHasher() })
    const root = await cold.digestPath('')
    const files = { d: await cold.digestPath('d'), a: await cold.digestPath('d/a.txt'), c: await cold.digestPath('c.txt') }
    await cold.close()

    const warm = await openBuildContext({ contextDir: dir, statCachePath: cache, racyWindowMs: 0, hasher: createStreamHasher() })
    // Every file is in the stat cache: nothing to read, so the digests come back as values.
    expect(warm.knownDigestOrPromise('d')).toBe(files.d)
    expect(warm.knownDigestOrPromise('d/a.txt')).toBe(files.a)
    expect(await warm.digestPath('')).toBe(root)
    expect(await warm.digestPath('c.txt')).toBe(files.c)
    expect(warm.counters).toEqual({ hashed: 0, cacheHits: 3 })
    await warm.close()

    writeFileSync(path.join(dir, 'c.txt'), 'changed')
    const edited = await openBuildContext({ contextDir: dir, statCachePath: cache, racyWindowMs: 0, hasher: createStreamHasher() })
    const pending = edited.knownDigestOrPromise('c.txt')
    expect(pending).toBeInstanceOf(Promise)
    expect(await pending).not.toBe(files.c)
    expect(await edited.digestPath('')).not.toBe(root)
    expect(edited.knownDigestOrPromise('d')).toBe(files.d)
    expect(edited.counters).toEqual({ hashed: 1, cacheHits: 2 })
    await edited.close()
  })
})
