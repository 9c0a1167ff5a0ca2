// Extraction semantics and, above all, confinement: hostile archives built from raw headers
// (our writer would refuse to produce them) must not touch anything outside the destination.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LayerEntry } from './layer-entry'
import { ExtractError, extractLayer, type ExtractOptions } from './safe-extract'
import { encodeHeader, paddingFor, type TarHeader } from './tar-header'
import { encodeTar, prepareLayerEntries } from './tar-writer'

const isRoot = process.getuid?.() === 0
let work: string
let dest: string
let outside: string
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'layerlab-extract-'))
  dest = join(work, 'dest')
  outside = join(work, 'outside')
  mkdirSync(dest)
  mkdirSync(outside, { mode: 0o700 })
  writeFileSync(join(outside, 'secret'), 'untouched')
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

type Member = Partial<TarHeader> & { name: string; data?: string }
/** A tar from raw headers: no validation at all, names and links exactly as given. */
function rawTar(members: Member[]): Buffer {
  const parts: Buffer[] = []
  for (const m of members) {
    const data = Buffer.from(m.data ?? '')
    const { data: _data, ...rest } = m
    parts.push(encodeHeader({ type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1, ...rest, size: data.length }), data, Buffer.alloc(paddingFor(data.length)))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

async function layer(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const extract = (tar: Buffer, options?: ExtractOptions) => extractLayer([tar], dest, options)
const outsideIntact = (): void => {
  expect(readdirSync(outside)).toEqual(['secret'])
  expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('untouched')
  expect(statSync(join(outside, 'secret')).nlink).toBe(1)
  expect(statSync(outside).mode & 0o777).toBe(0o700)
  expect(readdirSync(work).sort()).toEqual(['dest', 'outside'])
}

describe('hostile names', () => {
  it.each([
    ['../escape', 'a plain ../'],
    ['a/../../escape', '.. in the middle'],
    ['/../escape', 'an absolute ../'],
    [`../${'x'.repeat(200)}`, 'a PAX path'],
  ])('refuses %s (%s), naming the entry', async (name) => {
    const error = await extract(rawTar([{ name: 'ok', data: 'fine' }, { name, data: 'pwned' }])).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExtractError)
    expect((error as ExtractError).entry).toBe(name)
    expect((error as Error).message).toContain('climbs out of the destination')
    outsideIntact()
  })

  it('takes absolute names relative to the destination', async () => {
    await extract(rawTar([{ name: '/etc/owned', data: 'inside' }]))
    expect(readFileSync(join(dest, 'etc/owned'), 'utf8')).toBe('inside')
    outsideIntact()
  })
})

describe('symlinks on the way', () => {
  it('confines a file written through a symlink to an absolute outside path', async () => {
    await extract(rawTar([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/secret', data: 'pwned' }]))
    outsideIntact()
    expect(readFileSync(join(dest, outside, 'secret'), 'utf8')).toBe('pwned') // chroot view: <dest><outside>/secret
    expect(readlinkSync(join(dest, 'evil'))).toBe(outside)
  })

  it('confines relative symlinks that climb with ..', async () => {
    await extract(rawTar([{ name: 'a/rel', type: 'symlink', linkname: '../../../../../outside' }, { name: 'a/rel/secret', data: 'pwned' }]))
    outsideIntact()
    expect(readFileSync(join(dest, 'outside/secret'), 'utf8')).toBe('pwned')
  })

  it('can refuse symlinked parents outright', async () => {
    const tar = rawTar([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/secret', data: 'pwned' }])
    await expect(extract(tar, { symlinkedParents: 'refuse' })).rejects.toThrow(/layer entry "evil\/secret": "evil" is a symlink; refusing/)
    outsideIntact()
  })

  it('gives up on symlink loops', async () => {
    const tar = rawTar([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/x', data: '' }])
    await expect(extract(tar)).rejects.toThrow(/too many levels of symbolic links/)
  })

  it('replaces an existing symlink instead of writing through it', async () => {
    symlinkSync(join(outside, 'secret'), join(dest, 'victim'))
    symlinkSync(outside, join(dest, 'victim-dir'))
    await extract(rawTar([{ name: 'victim', data: 'replaced', mode: 0o777 }, { name: 'victim-dir/', type: 'dir', mode: 0o777 }]))
    outsideIntact()
    expect(lstatSync(join(dest, 'victim')).isFile()).toBe(true)
    expect(lstatSync(join(dest, 'victim-dir')).isDirectory()).toBe(true)
  })

  it('does not delete or clear anything outside through whiteouts and opaque markers', async () => {
    const tar = rawTar([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/.wh.secret' }, { name: 'evil/.wh..wh..opq' }])
    await extract(tar)
    outsideIntact()
    symlinkSync(outside, join(dest, 'pre-existing'))
    await extract(rawTar([{ name: 'pre-existing/.wh.secret' }, { name: 'pre-existing/.wh..wh..opq' }]))
    outsideIntact()
  })
})

describe('hard links', () => {
  it('refuses targets that climb out', async () => {
    await expect(extract(rawTar([{ name: 'h', type: 'hardlink', linkname: '../outside/secret' }]))).rejects.toThrow(/layer entry "h": refusing a hard link to "..\/outside\/secret"/)
    outsideIntact()
  })

  it('resolves absolute and symlinked targets inside the destination, where they do not exist', async () => {
    await expect(extract(rawTar([{ name: 'h', type: 'hardlink', linkname: join(outside, 'secret') }]))).rejects.toThrow(/does not exist/)
    await expect(extract(rawTar([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'h', type: 'hardlink', linkname: 'evil/secret' }]))).rejects.toThrow(/does not exist/)
    outsideIntact()
  })

  it('replaces a hard link rather than writing into the file it shares', async () => {
    await extract(rawTar([{ name: 'f', data: 'original' }, { name: 'h', type: 'hardlink', linkname: 'f' }, { name: 'h', data: 'new content' }]))
    expect(readFileSync(join(dest, 'f'), 'utf8')).toBe('original')
    expect(readFileSync(join(dest, 'h'), 'utf8')).toBe('new content')
  })
})

describe('applying layers', () => {
  const m = (mode: number, extra: Partial<{ uid: number; gid: number; mtime: number }> = {}) => ({ mode, uid: 0, gid: 0, mtime: 1600000000, ...extra })
  const f = (path: string, text: string, mode = 0o644, extra = {}): LayerEntry => ({ type: 'file', path, ...m(mode, extra), size: text.length, content: { from: 'bytes', bytes: Buffer.from(text) } })
  const d = (path: string, mode = 0o755, extra = {}): LayerEntry => ({ type: 'dir', path, ...m(mode, extra) })

  it('applies whiteouts, opaque directories and replacements over a lower layer', async () => {
    await extract(await layer([
      d('etc'), f('etc/keep', 'k'), f('etc/gone', 'g'), d('var'), d('var/cache'), f('var/cache/a', 'a'), d('var/cache/sub'), f('var/cache/sub/b', 'b'),
      d('was-dir'), f('was-dir/child', 'c'), f('was-file', 'x'), d('gone-dir'), f('gone-dir/deep', 'd'),
    ]))
    await extract(await layer([
      { type: 'whiteout', path: 'etc/gone' }, { type: 'whiteout', path: 'gone-dir' },
      d('var/cache', 0o700), { type: 'opaque', path: 'var/cache' }, f('var/cache/new', 'n'),
      f('was-dir', 'now a file'), d('was-file'), f('was-file/inner', 'i'),
    ]))
    const tree = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort()
    expect(tree(dest)).toEqual(['etc', 'etc/keep', 'var', 'var/cache', 'var/cache/new', 'was-dir', 'was-file', 'was-file/inner'])
    expect(readFileSync(join(dest, 'was-dir'), 'utf8')).toBe('now a file')
    expect(statSync(join(dest, 'var/cache')).mode & 0o777).toBe(0o700)
  })

  it('lets whiteouts and opaque markers hide only lower content, wherever they sit in the tar', async () => {
    mkdirSync(join(dest, 'd'))
    writeFileSync(join(dest, 'd/lower'), 'l')
    mkdirSync(join(dest, 'd/sub'))
    writeFileSync(join(dest, 'd/sub/lower'), 'l')
    await extract(rawTar([{ name: 'd/', type: 'dir', mode: 0o755 }, { name: 'd/sub/', type: 'dir', mode: 0o755 }, { name: 'd/mine', data: 'm' }, { name: 'd/x', data: 'x' }, { name: 'd/.wh.x' }, { name: 'd/.wh..wh..opq' }]))
    expect(readdirSync(join(dest, 'd'), { recursive: true }).map(String).sort()).toEqual(['mine', 'sub', 'x'])
  })

  it('sets modes after owners (keeping setuid), owners when root, and times (directories last)', async () => {
    await extract(await layer([
      d('bin', 0o755, { mtime: 1000 }), f('bin/su', 'su', 0o4755, { uid: 300000, gid: 4294967294, mtime: 2000 }), d('tmp', 0o1777, { mtime: 3000 }),
      { type: 'symlink', path: 'bin/sh', linkTarget: 'su', ...m(0o777, { mtime: 4000 }) }, { type: 'hardlink', path: 'bin/su2', linkTarget: 'bin/su' },
      { type: 'fifo', path: 'tmp/fifo', ...m(0o600) }, d('ro', 0o555), f('ro/inside', 'x'),
    ]))
    const st = (p: string) => lstatSync(join(dest, p))
    expect(st('bin/su').mode & 0o7777).toBe(0o4755)
    expect(st('tmp').mode & 0o7777).toBe(0o1777)
    expect(st('ro').mode & 0o7777).toBe(0o555)
    expect(st('bin/su').mtimeMs).toBe(2000_000)
    expect(st('bin').mtimeMs).toBe(1000_000)
    expect(st('bin/sh').mtimeMs).toBe(4000_000)
    expect(st('bin/su2').ino).toBe(st('bin/su').ino)
    expect(st('tmp/fifo').isFIFO()).toBe(true)
    if (isRoot) expect([st('bin/su').uid, st('bin/su').gid]).toEqual([300000, 4294967294])
  })

  it('keeps concurrent small-file writes consistent with later entries on the same paths', async () => {
    const entries: Member[] = []
    for (let i = 0; i < 300; i++) entries.push({ name: `many/f${i}`, data: `first ${i}` })
    for (let i = 0; i < 300; i += 7) entries.push({ name: `link${i}`, type: 'hardlink', linkname: `many/f${i}` })
    for (let i = 0; i < 300; i += 5) entries.push({ name: `many/f${i}`, data: `second ${i}`, mode: 0o600 })
    entries.push({ name: 'many/f299/', type: 'dir', mode: 0o755 }, { name: 'many/f299/inside', data: 'in' }, { name: 'many/f298', type: 'symlink', linkname: 'f297' })
    await extract(rawTar(entries))
    for (let i = 0; i < 298; i++) {
      const text = readFileSync(join(dest, `many/f${i}`), 'utf8')
      expect(text).toBe(i % 5 === 0 ? `second ${i}` : `first ${i}`)
      if (i % 7 === 0) expect(readFileSync(join(dest, `link${i}`), 'utf8')).toBe(`first ${i}`) // linked before the rewrite
    }
    expect(statSync(join(dest, 'many/f5')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dest, 'many/f299/inside'), 'utf8')).toBe('in')
    expect(readlinkSync(join(dest, 'many/f298'))).toBe('f297')
  })

  it('creates device nodes as root, and can be told to refuse them', async () => {
    const tar = await layer([{ type: 'char', path: 'dev/null', ...m(0o666), devMajor: 1, devMinor: 3 }])
    await expect(extract(tar, { devices: 'error' })).rejects.toThrow(/layer entry "dev\/null": device nodes are not allowed/)
    const warnings: string[] = []
    const result = await extract(tar, { devices: 'skip', onWarning: (w) => warnings.push(w) })
    expect([result.skipped, warnings.length]).toEqual([1, 1])
    if (!isRoot) return
    await extract(tar)
    expect(lstatSync(join(dest, 'dev/null')).isCharacterDevice()).toBe(true)
    expect(lstatSync(join(dest, 'dev/null')).rdev).toBe((1 << 8) | 3)
  })

  it('skips AUFS metadata and the root entry', async () => {
    const result = await extract(rawTar([{ name: './', type: 'dir', mode: 0o700 }, { name: '.wh..wh.plnk/123.456', data: 'x' }, { name: '.wh..wh.aufs' }, { name: 'real', data: 'r' }]))
    expect(readdirSync(dest)).toEqual(['real'])
    expect(statSync(dest).mode & 0o777).not.toBe(0o700)
    expect(result).toMatchObject({ entries: 4, skipped: 2, bytes: 1 })
    expect(existsSync(join(dest, '.wh..wh.plnk'))).toBe(false)
  })
})
