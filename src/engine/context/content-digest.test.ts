import { createHash } from 'node:crypto'
import { chmodSync, chownSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OpenContextOptions } from './build-context'
import { openBuildContext } from './build-context'
import { createStreamHasher } from './file-hasher'
import { EMPTY_DIGEST, tarsumHeader } from './tarsum-header'
import type { ContextSpec } from './testdata/make-context'
import { makeContext, removeDir } from './testdata/make-context'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})
const context = (spec: ContextSpec) => {
  const d = makeContext(spec)
  dirs.push(d)
  return d
}
const sha = (...parts: string[]) => `sha256:${createHash('sha256').update(parts.join('')).digest('hex')}`

type DigestOpts = Partial<OpenContextOptions> & { exclude?: string[] }

async function digest(dir: string, sources: string[], opts: DigestOpts = {}): Promise<string> {
  // The stream hasher keeps these small tests on one thread.
  const ctx = await openBuildContext({ contextDir: dir, hasher: createStreamHasher(), ...opts })
  try {
    return (await ctx.digestCopySources(sources, { exclude: opts.exclude })).digest
  } finally {
    await ctx.close()
  }
}

/** The digest of `sources` before and after `change`. */
async function around(spec: ContextSpec, sources: string[], change: (dir: string) => void, opts: DigestOpts = {}) {
  const dir = context(spec)
  const before = await digest(dir, sources, opts)
  change(dir)
  return { before, after: await digest(dir, sources, opts) }
}

const base: ContextSpec = {
  'app/main.go': 'package main',
  'app/util.go': 'package util',
  'app/README.md': 'hello',
  'notes.txt': 'n',
}
const at = (dir: string, rel: string) => path.join(dir, ...rel.split('/'))

describe('content digest sensitivity (BuildKit contenthash rules)', () => {
  it.each<[string, (dir: string) => void, boolean]>([
    ['editing content', (d) => writeFileSync(at(d, 'app/main.go'), 'package mainX'), true],
    ['editing content without changing the size', (d) => writeFileSync(at(d, 'app/main.go'), 'package MAIN'), true],
    ['touching (mtime only)', (d) => utimesSync(at(d, 'app/main.go'), new Date(2001, 1, 1), new Date(2001, 1, 1)), false],
    ['chmod', (d) => chmodSync(at(d, 'app/main.go'), 0o755), true],
    ['setuid bit', (d) => chmodSync(at(d, 'app/main.go'), 0o4644), true],
    ['chmod of the copied directory itself', (d) => chmodSync(at(d, 'app'), 0o700), true],
    ['renaming a file, same content', (d) => renameSync(at(d, 'app/util.go'), at(d, 'app/util2.go')), true],
    ['adding an empty directory', (d) => makeContext({ 'app/empty': { dir: true } }, d), true],
    ['replacing a file by a symlink', (d) => (rmSync(at(d, 'app/util.go')), symlinkSync('main.go', at(d, 'app/util.go'))), true],
    ['changing a file outside the source', (d) => writeFileSync(at(d, 'notes.txt'), 'changed'), false],
  ])('COPY app: %s → changes: %s', async (_name, change, changes) => {
    const { before, after } = await around(base, ['app'], change)
    expect(after !== before).toBe(changes)
  })

  it('a symlink digest covers its target string', async () => {
    const spec: ContextSpec = { ...base, 'app/link': { symlink: 'main.go' } }
    const { before, after } = await around(spec, ['app'], (d) => {
      rmSync(at(d, 'app/link'))
      symlinkSync('util.go', at(d, 'app/link'))
    })
    expect(after).not.toBe(before)
  })

  it('a .dockerignore’d file never changes the digest', async () => {
    const spec: ContextSpec = { ...base, '.dockerignore': 'app/*.md\n', 'app/README.md': 'v1' }
    const { before, after } = await around(spec, ['.'], (d) => writeFileSync(at(d, 'app/README.md'), 'v2, longer'))
    expect(after).toBe(before)
  })

  it('an --exclude’d file never changes the digest', async () => {
    const { before, after } = await around(base, ['app'], (d) => writeFileSync(at(d, 'app/README.md'), 'bye'), {
      exclude: ['*.md'],
    })
    expect(after).toBe(before)
  })

  it('renaming a file matched by a wildcard changes the digest (testWildcardRenameCache)', async () => {
    const { before, after } = await around(base, ['app/*.go'], (d) => renameSync(at(d, 'app/util.go'), at(d, 'app/util2.go')))
    expect(after).not.toBe(before)
  })

  it('adding a file the wildcard does not match changes nothing', async () => {
    const { before, after } = await around(base, ['app/*.go'], (d) => writeFileSync(at(d, 'app/new.md'), 'x'))
    expect(after).toBe(before)
  })

  it('owners count only when they are preserved (the docker CLI sends context files as 0:0)', async () => {
    if (process.getuid?.() !== 0) return // chown needs root
    const chown = (d: string) => chownSync(at(d, 'app/main.go'), 1234, 5678)
    const reset = await around(base, ['app'], chown)
    expect(reset.after).toBe(reset.before)
    const preserved = await around(base, ['app'], chown, { ownership: 'preserve' })
    expect(preserved.after).not.toBe(preserved.before)
  })
})

describe('digest composition', () => {
  it('hashes the tarsum header of a file before its content', () => {
    const header = 'namemode420uid0gid0size5typeflag0linknameunamegnamedevmajor0devminor0'
    const entry = {
      relPath: 'a',
      type: 'file',
      mode: 0o644,
      uid: 1000,
      gid: 1000,
      size: 5,
      linkTarget: null,
    } as const
    expect(tarsumHeader(entry as never, 'reset').toString()).toBe(header)
    expect(tarsumHeader(entry as never, 'preserve').toString()).toBe(header.replace('uid0gid0', 'uid1000gid1000'))
    expect(tarsumHeader({ ...entry, type: 'symlink', mode: 0o777, size: 3, linkTarget: 'x/y' } as never, 'reset').toString()).toBe(
      'namemode511uid0gid0size0typeflag2linknamex/yunamegnamedevmajor0devminor0',
    )
  })

  it('builds directory digests from the header record and named children', async () => {
    const dir = context({ 'd/a': 'x', 'd/s/b': '' })
    const ctx = await openBuildContext({ contextDir: dir, hasher: createStreamHasher() })
    const fileA = sha('namemode420uid0gid0size1typeflag0linknameunamegnamedevmajor0devminor0', 'x')
    const fileB = sha('namemode420uid0gid0size0typeflag0linknameunamegnamedevmajor0devminor0')
    const dirHeader = sha('namemode493uid0gid0size0typeflag5linknameunamegnamedevmajor0devminor0')
    const dirS = sha('\0', dirHeader, '\0b', fileB)
    const dirD = sha('\0', dirHeader, '\0a', fileA, '\0s', dirS)
    expect(await ctx.digestPath('d/a')).toBe(fileA)
    expect(await ctx.digestPath('d')).toBe(dirD)
    // The root's own header never reaches BuildKit: it is sha256("").
    expect(await ctx.digestPath('')).toBe(sha('\0', EMPTY_DIGEST, '\0d', dirD))
    // One plain selector: the combined digest is sha256 of that digest.
    expect((await ctx.digestCopySources(['d'])).digest).toBe(sha(dirD))
    // A wildcard lists (base name, digest) of each match; a single match named as the selector is passed through.
    expect((await ctx.digestCopySources(['d/*'])).parts[0]?.digest).toBe(
      sha('a', fileA, '\0', 's', dirHeader, '\0', 'b', fileB),
    )
    expect((await ctx.digestCopySources(['d/[a]'])).parts[0]?.digest).toBe(sha('a', fileA))
    expect((await ctx.digestCopySources(['nomatch*'])).parts[0]?.digest).toBe(EMPTY_DIGEST)
    await ctx.close()
  })

  it('deduplicates and orders selectors as the file op does', async () => {
    const dir = context({ 'd/a': 'x', 'e/b': 'y' })
    const ctx = await openBuildContext({ contextDir: dir, hasher: createStreamHasher() })
    const d = await ctx.digestCopySources(['e', 'd', 'd/a', '../d'])
    expect(d.parts.map((p) => p.path)).toEqual(['/d', '/e'])
    expect(d.digest).toBe(sha(d.parts.map((p) => p.digest).join('\0')))
    // The selector digest names every source path, sorted in reverse.
    expect(d.selectorDigest).toBe(sha(['/e', '/d/a', '/d', '/d'].join('\0')))
    await ctx.close()
  })

  it('reuses the first path’s digest for hard links, follows named symlinks', async () => {
    const dir = context({ one: 'same', two: { hardlink: 'one' }, link: { symlink: 'one' } })
    const ctx = await openBuildContext({ contextDir: dir, hasher: createStreamHasher() })
    expect(await ctx.digestPath('two')).toBe(await ctx.digestPath('one'))
    expect(await ctx.digestPath('link')).toBe(await ctx.digestPath('one'))
    expect(await ctx.digestPath('link', { followSymlinks: false })).not.toBe(await ctx.digestPath('one'))
    await ctx.close()
  })

  it('matches the golden digests of the reference fixture', async () => {
    const golden = JSON.parse(readFileSync(new URL('./testdata/digest-golden.json', import.meta.url), 'utf8')) as {
      spec: ContextSpec
      links: Record<string, string>
      selections: { sources: string[]; exclude?: string[]; digest: string }[]
    }
    const dir = context(golden.spec)
    for (const [name, target] of Object.entries(golden.links)) symlinkSync(target, at(dir, name))
    const got = []
    for (const s of golden.selections) got.push({ ...s, digest: await digest(dir, s.sources, { exclude: s.exclude }) })
    expect(got).toEqual(golden.selections)
  })
})
