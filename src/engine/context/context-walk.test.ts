import { execFileSync } from 'node:child_process'
import { chmodSync, statSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ContextEntry } from './context-walk'
import { symlinkTargetInContext, walkContext } from './context-walk'
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
const paths = async (dir: string, excludePatterns?: string[]) =>
  (await walkContext(dir, { excludePatterns })).map((e) => e.relPath)

describe('walkContext', () => {
  it('lists entries depth-first with byte-sorted names, like fsutil', async () => {
    const dir = context({ 'a.txt': '', 'a/b': '', B: '', 'a-b': '', 'a/c/d': '' })
    expect(await paths(dir)).toEqual(['B', 'a', 'a/b', 'a/c', 'a/c/d', 'a-b', 'a.txt'])
  })

  it('reports lstat metadata', async () => {
    const dir = context({ 'bin/tool': { content: 'hello', mode: 0o4755 }, data: { dir: true, mode: 0o700 } })
    const entries = await walkContext(dir)
    const tool = entries.find((e) => e.relPath === 'bin/tool') as ContextEntry
    const st = statSync(path.join(dir, 'bin/tool'), { bigint: true })
    expect(tool).toMatchObject({ type: 'file', mode: 0o4755, size: 5, linkTarget: null, hardlinkTo: null })
    expect(tool.mtimeNs).toBe(st.mtimeNs)
    expect(tool.ino).toBe(st.ino)
    expect(tool.uid).toBe(Number(st.uid))
    expect(entries.find((e) => e.relPath === 'data')).toMatchObject({ type: 'dir', mode: 0o700 })
  })

  it('`*` then `!keep`: only keep survives, excluded directories are not entered', async () => {
    const dir = context({ keep: '', other: '', 'sub/keep': '', 'keepdir/x': '' })
    expect(await paths(dir, ['*', '!keep'])).toEqual(['keep'])
  })

  it('`dir` then `!dir/keep`: the directory comes back only as a parent of keep', async () => {
    const dir = context({ 'dir/keep': '', 'dir/other': '', 'dir/sub/x': '', top: '' })
    expect(await paths(dir, ['dir', '!dir/keep'])).toEqual(['dir', 'dir/keep', 'top'])
  })

  it('an exception ending in /** still allows pruning by prefix', async () => {
    const dir = context({ 'build/keep/x': '', 'build/other/y': '', 'build/z': '' })
    expect(await paths(dir, ['build', '!build/keep/**'])).toEqual(['build', 'build/keep', 'build/keep/x'])
  })

  it('a wildcard exception makes the walk search inside excluded directories', async () => {
    const dir = context({ 'logs/a/b.keep': '', 'logs/a/c.txt': '', 'logs/d.txt': '', 'src/e.keep': '' })
    expect(await paths(dir, ['logs', '!logs/**/*.keep'])).toEqual(['logs', 'logs/a', 'logs/a/b.keep', 'src', 'src/e.keep'])
  })

  it('follows fsutil, not MatchesOrParentMatches, where the two disagree', async () => {
    const dir = context({ 'a.md/a': '', 'b.md': '' })
    // Patterns from pattern-matcher.test: the exception is not remembered for the parent.
    expect(await paths(dir, ['*.md/a', '!a*'])).toEqual(['a.md', 'b.md'])
  })

  it('can ignore .dockerignore and the Dockerfile themselves', async () => {
    const dir = context({ '.dockerignore': 'x', Dockerfile: 'FROM scratch', app: '' })
    expect(await paths(dir, ['.dockerignore', 'Dockerfile'])).toEqual(['app'])
  })

  it('never follows symlinks: loops, outside targets and links to directories are leaves', async () => {
    const dir = context({ 'real/file': '', 'loop-a': { symlink: 'loop-b' }, 'loop-b': { symlink: 'loop-a' } })
    symlinkSync('/etc/passwd', path.join(dir, 'abs'))
    symlinkSync('../../outside', path.join(dir, 'real', 'up'))
    symlinkSync('real', path.join(dir, 'dirlink'))
    const entries = await walkContext(dir)
    expect(entries.map((e) => [e.relPath, e.type, e.linkTarget])).toEqual([
      ['abs', 'symlink', '/etc/passwd'],
      ['dirlink', 'symlink', 'real'],
      ['loop-a', 'symlink', 'loop-b'],
      ['loop-b', 'symlink', 'loop-a'],
      ['real', 'dir', null],
      ['real/file', 'file', null],
      ['real/up', 'symlink', '../../outside'],
    ])
    const where = Object.fromEntries(entries.map((e) => [e.relPath, symlinkTargetInContext(e)]))
    expect(where).toMatchObject({ abs: null, dirlink: 'real', 'loop-a': 'loop-b', 'real/up': null })
  })

  it('marks later paths to the same inode as hard links to the first', async () => {
    const dir = context({ 'a/one': 'same', 'b/two': { hardlink: 'a/one' }, 'c/three': 'other' })
    const entries = await walkContext(dir)
    expect(entries.find((e) => e.relPath === 'b/two')?.hardlinkTo).toBe('a/one')
    expect(entries.find((e) => e.relPath === 'a/one')?.hardlinkTo).toBeNull()
  })

  it('reports special files', async () => {
    const dir = context({ x: '' })
    try {
      execFileSync('mkfifo', [path.join(dir, 'pipe')])
    } catch {
      return // no mkfifo here
    }
    expect((await walkContext(dir)).map((e) => [e.relPath, e.type])).toEqual([
      ['pipe', 'fifo'],
      ['x', 'file'],
    ])
  })

  it('resolves a symlinked context root and rejects a file', async () => {
    const dir = context({ f: '' })
    const link = path.join(tempDir(), 'ctx')
    dirs.push(path.dirname(link))
    symlinkSync(dir, link)
    expect(await paths(link)).toEqual(['f'])
    await expect(walkContext(path.join(dir, 'f'))).rejects.toThrow('not a directory')
  })

  it('skips unreadable directories only when they are excluded anyway', async () => {
    if (process.getuid?.() === 0) return // root reads everything
    const dir = context({ 'locked/x': '', y: '' })
    chmodSync(path.join(dir, 'locked'), 0o000)
    try {
      await expect(walkContext(dir)).rejects.toThrow('failed to read directory locked')
      expect(await paths(dir, ['locked'])).toEqual(['y'])
      // Even when an exception makes the walk look inside it.
      expect(await paths(dir, ['locked', '!locked/**/*.x'])).toEqual(['y'])
    } finally {
      chmodSync(path.join(dir, 'locked'), 0o755)
    }
  })
})
