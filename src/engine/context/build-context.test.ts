import { existsSync, readFileSync } from 'node:fs'
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
})
