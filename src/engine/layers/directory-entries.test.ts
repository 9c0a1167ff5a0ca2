import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, linkSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { directoryEntries, type XattrReader } from './directory-entries'
import { writeLayer } from './layer-digests'
import { extractLayer } from './safe-extract'
import { readLayer, type TarEntryHeader } from './tar-reader'
import { classifyWhiteout, whiteoutEntries } from './whiteouts'

const isRoot = process.getuid?.() === 0
const work = mkdtempSync(join(tmpdir(), 'layerlab-snap-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
let counter = 0
const fresh = (): string => {
  const dir = join(work, `d${counter++}`)
  mkdirSync(dir)
  return dir
}

/** Set every mtime under dir (deepest first) so two trees built differently compare equal. */
function settle(dir: string): void {
  for (const rel of readdirSync(dir, { recursive: true }).map(String).sort().reverse()) lutimesSync(join(dir, rel), 1600000000, 1600000000)
  lutimesSync(dir, 1600000000, 1600000000)
}

async function headers(tarPath: string): Promise<TarEntryHeader[]> {
  const out: TarEntryHeader[] = []
  for await (const { header } of readLayer([readFileSync(tarPath)])) out.push(header)
  return out
}

describe('directoryEntries (snapshot directory)', () => {
  it('gives the same layer for the same tree however it was created (inodes, readdir order)', async () => {
    const build = (dir: string, order: string[]): void => {
      for (const step of order) {
        if (step === 'files') {
          mkdirSync(join(dir, 'bin'), { recursive: true })
          writeFileSync(join(dir, 'bin/zeta'), 'z')
          writeFileSync(join(dir, 'bin/alpha'), 'tool')
          chmodSync(join(dir, 'bin/alpha'), 0o4755)
          writeFileSync(join(dir, 'README'), 'read me')
        }
        if (step === 'links') {
          mkdirSync(join(dir, 'bin'), { recursive: true })
          mkdirSync(join(dir, 'usr/bin'), { recursive: true })
          symlinkSync('bin/alpha', join(dir, 'sym'))
        }
        if (step === 'empty') mkdirSync(join(dir, 'var/empty'), { recursive: true })
      }
      linkSync(join(dir, 'bin/alpha'), join(dir, 'usr/bin/alpha-hard'))
      linkSync(join(dir, 'bin/alpha'), join(dir, 'a-first-name'))
      settle(dir)
    }
    const one = fresh()
    const two = fresh()
    build(one, ['files', 'links', 'empty'])
    build(two, ['empty', 'links', 'files'])
    const a = await writeLayer(await directoryEntries(one), join(work, 'one.tar'), { compression: 'none' })
    const b = await writeLayer(await directoryEntries(two), join(work, 'two.tar'), { compression: 'none' })
    expect(b.diffId).toBe(a.diffId)
    const members = await headers(join(work, 'one.tar'))
    expect(members.map((h) => `${h.name} ${h.type} ${h.linkname ?? ''}`)).toEqual([
      'README file ', 'a-first-name file ', 'bin/ dir ', 'bin/alpha hardlink a-first-name', 'bin/zeta file ', 'sym symlink bin/alpha',
      'usr/ dir ', 'usr/bin/ dir ', 'usr/bin/alpha-hard hardlink a-first-name', 'var/ dir ', 'var/empty/ dir ',
    ])
    expect(members[1]).toMatchObject({ mode: 0o4755, mtime: 1600000000, size: 4 })
  })

  it('skips sockets, refuses whiteout-like names, and lets a transform rewrite entries', async () => {
    const dir = fresh()
    writeFileSync(join(dir, 'file'), 'x')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve))
    try {
      const skipped: string[] = []
      const entries = await directoryEntries(dir, { onSkip: (p) => skipped.push(p), transform: (e) => (e.type === 'file' ? { ...e, uid: 1000, gid: 1000 } : e) })
      expect(skipped).toEqual(['sock'])
      expect(entries).toEqual([expect.objectContaining({ path: 'file', uid: 1000, gid: 1000 })])
    } finally {
      server.close()
    }
    writeFileSync(join(dir, '.wh.sneaky'), '')
    await expect(directoryEntries(dir)).rejects.toThrow(/"\.wh\.sneaky" would be read as a whiteout/)
  })

  it('keeps xattrs a reader provides, except overlayfs bookkeeping', async () => {
    const dir = fresh()
    writeFileSync(join(dir, 'ping'), 'ping')
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex')
    const readXattrs: XattrReader = async (p) => (p.endsWith('ping') ? { 'security.capability': cap, 'trusted.overlay.origin': Buffer.from('x') } : ({} as Record<string, Buffer>))
    const path = join(work, 'xattr.tar')
    await writeLayer(await directoryEntries(dir, { readXattrs }), path, { compression: 'none' })
    const [ping] = await headers(path)
    expect(ping?.xattrs).toEqual({ 'security.capability': cap })
  })
})

describe('overlayfs upper directories', () => {
  it.skipIf(!isRoot)('turns 0/0 char devices into .wh. files and opaque xattrs into .wh..wh..opq', async () => {
    const upper = fresh()
    mkdirSync(join(upper, 'etc'))
    execFileSync('mknod', [join(upper, 'etc/removed'), 'c', '0', '0'])
    linkSync(join(upper, 'etc/removed'), join(upper, 'also-removed')) // overlayfs shares one whiteout inode
    mkdirSync(join(upper, 'cache'))
    writeFileSync(join(upper, 'cache/new'), 'n')
    const readXattrs: XattrReader = async (p) => (p.endsWith('/cache') ? { 'trusted.overlay.opaque': Buffer.from('y') } : ({} as Record<string, Buffer>))
    const entries = await directoryEntries(upper, { overlayUpper: true, readXattrs })
    const path = join(work, 'upper.tar')
    await writeLayer(entries, path, { compression: 'none' })
    expect((await headers(path)).map((h) => `${h.name} ${h.type} ${h.mode.toString(8)}`)).toEqual([
      '.wh.also-removed file 600', 'cache/ dir 755', 'cache/.wh..wh..opq file 755', 'cache/new file 644', 'etc/ dir 755', 'etc/.wh.removed file 600',
    ])
  })

  it('refuses redirected directories and metacopy files', async () => {
    const upper = fresh()
    mkdirSync(join(upper, 'moved'))
    const readXattrs: XattrReader = async (p) => (p.endsWith('moved') ? { 'trusted.overlay.redirect': Buffer.from('/old') } : ({} as Record<string, Buffer>))
    await expect(directoryEntries(upper, { overlayUpper: true, readXattrs })).rejects.toThrow(/redirect_dir=off/)
  })

  /** Reads xattrs through python3 (tests only: the engine gets its reader from the sandbox). */
  const pythonXattrs: XattrReader = async (p) => {
    const script = 'import os,sys,json;p=sys.argv[1];print(json.dumps({n:os.getxattr(p,n,follow_symlinks=False).hex() for n in os.listxattr(p,follow_symlinks=False)}))'
    const out = execFileSync('python3', ['-c', script, p], { encoding: 'utf8' })
    return Object.fromEntries(Object.entries(JSON.parse(out) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'hex')]))
  }
  const canMount = isRoot && spawnSync('python3', ['-c', '1']).status === 0

  it.skipIf(!canMount)('converts a real overlayfs upper dir into a layer that recreates the merged view', async (ctx) => {
    const root = fresh()
    const [lower, upper, workdir, merged] = ['lower', 'upper', 'work', 'merged'].map((n) => join(root, n)) as [string, string, string, string]
    for (const d of [lower, upper, workdir, merged]) mkdirSync(d)
    mkdirSync(join(lower, 'etc'))
    writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0')
    writeFileSync(join(lower, 'etc/obsolete'), 'old')
    mkdirSync(join(lower, 'var/cache'), { recursive: true })
    writeFileSync(join(lower, 'var/cache/stale'), 'stale')
    mkdirSync(join(lower, 'opt/tool'), { recursive: true })
    writeFileSync(join(lower, 'opt/tool/bin'), 'bin')
    const mount = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${workdir},redirect_dir=off,metacopy=off`, merged])
    if (mount.status !== 0) return ctx.skip()
    let expected: Record<string, string>
    try {
      rmSync(join(merged, 'etc/obsolete'))
      writeFileSync(join(merged, 'etc/passwd'), 'root:x:0:0\napp:x:1000:1000')
      rmSync(join(merged, 'var/cache'), { recursive: true })
      mkdirSync(join(merged, 'var/cache'))
      writeFileSync(join(merged, 'var/cache/fresh'), 'fresh')
      rmSync(join(merged, 'opt'), { recursive: true })
      writeFileSync(join(merged, 'new-file'), 'new')
      expected = snapshot(merged)
    } finally {
      execFileSync('umount', [merged])
    }
    const layerPath = join(work, 'overlay-layer.tar.gz')
    await writeLayer(await directoryEntries(upper, { overlayUpper: true, readXattrs: pythonXattrs }), layerPath)
    const applied = join(root, 'applied')
    cpSync(lower, applied, { recursive: true })
    await extractLayer([readFileSync(layerPath)], applied)
    expect(snapshot(applied)).toEqual(expected)
    const names = (await headers(layerPath)).map((h) => h.name)
    expect(names).toEqual(expect.arrayContaining(['etc/.wh.obsolete', 'var/cache/.wh..wh..opq', '.wh.opt']))
  })
})

/** Path → type/content digest of a tree, for comparing two trees. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name)
    const rel = full.slice(dir.length + 1)
    out[rel] = entry.isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 12)
  }
  return out
}

describe('whiteoutEntries', () => {
  it('drops deletions implied by a deleted or opaque ancestor', () => {
    const entries = whiteoutEntries(['a', 'a/b', '/c/d', 'o/x', 'o/y/z'], ['o', 'a/inner'])
    expect(entries).toEqual([{ type: 'whiteout', path: 'a' }, { type: 'whiteout', path: 'c/d' }, { type: 'opaque', path: 'o' }])
    expect(() => whiteoutEntries(['/'])).toThrow(/root directory/)
  })

  it('classifies member names', () => {
    expect(classifyWhiteout('a/.wh.b')).toEqual({ kind: 'whiteout', target: 'a/b' })
    expect(classifyWhiteout('.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '' })
    expect(classifyWhiteout('x/.wh..wh.plnk')).toEqual({ kind: 'meta' })
    expect(classifyWhiteout('.wh..wh.plnk/1.2')).toEqual({ kind: 'meta' })
    expect(classifyWhiteout('a/.wh.')).toEqual({ kind: 'meta' })
    expect(classifyWhiteout('a/b.wh.c')).toBeUndefined()
  })
})
