import { symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContextTree } from './context-tree'
import { walkContext } from './context-walk'
import type { CopySelection, CopySourceOptions } from './copy-sources'
import { normalizeCopySource, selectCopySources } from './copy-sources'
import { CopySourceError } from './errors'
import { makeContext, removeDir } from './testdata/make-context'

let dir = ''
let tree: ContextTree

beforeAll(async () => {
  dir = makeContext({
    'foo.go': 'foo',
    'f1.go': '1',
    'f2.go': '2',
    'bar.txt': 'bar',
    'secret.txt': 'ignored',
    'sub/a.txt': 'a',
    'sub/dir1/dir2/foo': 'deep',
    'dir/.hidden': 'h',
    'dir/x.md': 'x',
    'dir/keep.txt': 'k',
    'dir/nested/y.md': 'y',
    'dir/nested/z.txt': 'z',
  })
  const link = (target: string, name: string) => symlinkSync(target, path.join(dir, name))
  link('sub', 'linkdir')
  link('bar.txt', 'linkfile')
  link('nowhere', 'dangling')
  link('/bar.txt', 'abs')
  link('../../../bar.txt', 'escape')
  link('loop2', 'loop1')
  link('loop1', 'loop2')
  tree = new ContextTree(await walkContext(dir, { excludePatterns: ['secret.txt'] }))
})
afterAll(() => removeDir(dir))

const select = (sources: string[], opts?: CopySourceOptions) => selectCopySources(tree, sources, opts)
const summary = (s: CopySelection) => s.items.map((i) => [i.path, i.resolvedPath, i.entry.type, i.contents.map((c) => c.relPath)])
const failure = (sources: string[], opts?: CopySourceOptions) => {
  try {
    select(sources, opts)
  } catch (e) {
    expect(e).toBeInstanceOf(CopySourceError)
    return { code: (e as CopySourceError).code, message: (e as Error).message }
  }
  throw new Error('expected a CopySourceError')
}

describe('normalizeCopySource', () => {
  it.each([
    ['foo', '/foo', false],
    ['/foo', '/foo', false],
    ['./foo/', '/foo', false],
    ['foo/.', '/foo', false],
    ['../foo', '/foo', true],
    ['../../sub/../bar.txt', '/bar.txt', true],
    ['.', '/', false],
    ['..', '/', true],
  ])('%j is %j inside the context', (source, want, clamped) => {
    expect(normalizeCopySource(source)).toMatchObject({ path: want, clamped })
  })
})

describe('selectCopySources', () => {
  it('copies a file as itself and a directory as its contents', () => {
    expect(summary(select(['bar.txt', 'sub']))).toEqual([
      ['bar.txt', 'bar.txt', 'file', []],
      ['sub', 'sub', 'dir', ['a.txt', 'dir1', 'dir1/dir2', 'dir1/dir2/foo']],
    ])
  })

  it('treats dir, dir/ and dir/. alike', () => {
    const want = summary(select(['dir']))
    expect(summary(select(['dir/']))).toEqual(want)
    expect(summary(select(['dir/.']))).toEqual(want)
  })

  it('copies the whole context for `.`', () => {
    const s = select(['.'])
    expect(s.items).toHaveLength(1)
    expect(s.items[0]?.contents.map((c) => c.relPath)).toEqual(tree.entries.map((e) => e.relPath))
  })

  it('expands wildcards per path component, in walk order', () => {
    expect(select(['*.go']).items.map((i) => i.path)).toEqual(['f1.go', 'f2.go', 'foo.go'])
    expect(select(['f?.go']).items.map((i) => i.path)).toEqual(['f1.go', 'f2.go'])
    // Only ^ negates a class: [!1] is the class of '!' and '1'.
    expect(select(['f[!1].go', 'f[^1].go']).items.map((i) => i.path)).toEqual(['f1.go', 'f2.go'])
    expect(select(['sub/*/dir2/foo']).items.map((i) => i.path)).toEqual(['sub/dir1/dir2/foo'])
    // A matched directory copies its contents: sub/dir1/dir2/foo lands at <dest>/dir2/foo.
    expect(summary(select(['sub/*']))).toEqual([
      ['sub/a.txt', 'sub/a.txt', 'file', []],
      ['sub/dir1', 'sub/dir1', 'dir', ['dir2', 'dir2/foo']],
    ])
  })

  it('allows a wildcard that matches nothing, unless asked to behave like the legacy builder', () => {
    expect(select(['bar.txt', 'nomatch*']).items.map((i) => i.path)).toEqual(['bar.txt'])
    expect(failure(['nomatch*'], { emptyWildcard: 'error' })).toEqual({
      code: 'no-source-files',
      message: 'no source files were specified',
    })
  })

  it('says when a destination directory is required', () => {
    expect(select(['bar.txt']).requiresDirectoryDest).toBe(false)
    expect(select(['bar.txt', 'foo.go']).requiresDirectoryDest).toBe(true)
    expect(select(['f1.go*']).requiresDirectoryDest).toBe(true)
  })

  it('keeps ../ inside the context', () => {
    const s = select(['../bar.txt'])
    expect(s.sources[0]).toMatchObject({ path: '/bar.txt', clamped: true })
    expect(summary(s)).toEqual([['bar.txt', 'bar.txt', 'file', []]])
  })

  it('applies --exclude relative to each source, re-creating parents of re-included files', () => {
    expect(summary(select(['dir'], { exclude: ['*.md'] }))[0]?.[3]).toEqual([
      '.hidden',
      'keep.txt',
      'nested',
      'nested/y.md',
      'nested/z.txt',
    ])
    expect(summary(select(['dir'], { exclude: ['**/*.md'] }))[0]?.[3]).toEqual(['.hidden', 'keep.txt', 'nested', 'nested/z.txt'])
    expect(summary(select(['dir'], { exclude: ['nested', '!nested/z.txt'] }))[0]?.[3]).toEqual([
      '.hidden',
      'keep.txt',
      'nested',
      'nested/z.txt',
      'x.md',
    ])
  })

  it('follows symlinks for the named source, inside the context only', () => {
    expect(summary(select(['linkfile', 'abs', 'escape']))).toEqual([
      ['linkfile', 'bar.txt', 'file', []],
      ['abs', 'bar.txt', 'file', []],
      ['escape', 'bar.txt', 'file', []],
    ])
    expect(summary(select(['linkdir/a.txt']))).toEqual([['linkdir/a.txt', 'sub/a.txt', 'file', []]])
    expect(select(['linkdir']).items[0]?.contents.map((c) => c.relPath)).toEqual(['a.txt', 'dir1', 'dir1/dir2', 'dir1/dir2/foo'])
  })

  it('reports missing sources with BuildKit wording', () => {
    expect(failure(['nope'])).toEqual({ code: 'not-found', message: '"/nope": not found' })
    expect(failure(['secret.txt'])).toEqual({ code: 'not-found', message: '"/secret.txt": not found' })
    expect(failure(['dangling'])).toEqual({ code: 'not-found', message: '"/dangling": not found' })
    expect(failure(['dang*'])).toEqual({ code: 'not-found', message: '"/dangling": not found' })
    // With --exclude, BuildKit's cache-key pass lets it through and the copy's lstat fails.
    expect(failure(['nope'], { exclude: ['x'] })).toEqual({
      code: 'no-such-file',
      message: 'lstat /nope: no such file or directory',
    })
    expect(failure(['nodir/*.txt'])).toEqual({ code: 'no-such-file', message: 'lstat /nodir: no such file or directory' })
  })

  it('reports symlink loops and bad patterns', () => {
    expect(failure(['loop1'])).toEqual({ code: 'too-many-links', message: 'too many links' })
    expect(failure(['[abc'])).toEqual({ code: 'invalid-pattern', message: 'syntax error in pattern' })
    expect(failure(['dir'], { exclude: ['!'] })).toEqual({ code: 'invalid-pattern', message: 'illegal exclusion pattern: "!"' })
  })

  it('derives the content-hash selectors BuildKit would use', () => {
    expect(select(['../bar.txt/', 'f*'], { exclude: ['*.md'] }).selectors).toEqual([
      { path: '/bar.txt', wildcard: false, followLinks: true, excludePatterns: ['*.md'] },
      { path: '/f*', wildcard: true, followLinks: true, excludePatterns: ['*.md'] },
    ])
  })
})
