// GNU tar as ground truth, both ways: it must list and extract what we write exactly as we meant
// it, and our reader must see in GNU tar's archives (posix, gnu and ustar flavours) what lstat
// sees on disk.
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, createWriteStream, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LayerEntry } from './layer-entry'
import { readTar, type TarEntryHeader } from './tar-reader'
import { writeTar } from './tar-writer'

const isRoot = process.getuid?.() === 0
const work = mkdtempSync(join(tmpdir(), 'layerlab-gnutar-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const tar = (...args: string[]): string => execFileSync('tar', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' } })

const longDir = `deep/${'d'.repeat(90)}/${'e'.repeat(90)}`
const longName = `${longDir}/${'n'.repeat(120)}.txt`
const unicodeName = 'données/ファイル-ü.txt'
const t = 1700000000
const m = (mode: number, uid = 0, gid = 0) => ({ mode, uid, gid, mtime: t })

function entries(source: string): LayerEntry[] {
  return [
    { type: 'dir', path: 'empty', ...m(0o700) },
    { type: 'dir', path: 'tmp', ...m(0o1777) },
    { type: 'dir', path: 'deep', ...m(0o755) },
    { type: 'file', path: 'bin/su', ...m(0o4755), size: 5, content: { from: 'bytes', bytes: Buffer.from('su!!\n') } },
    { type: 'file', path: 'bin/sg', ...m(0o2711, 0, 42), size: 0, content: { from: 'bytes', bytes: Buffer.alloc(0) } },
    { type: 'file', path: 'home/big-ids', ...m(0o640, 300000, 4294967294), size: 3, content: { from: 'bytes', bytes: Buffer.from('ids') } },
    { type: 'file', path: 'data/from-disk', ...m(0o600), size: 100_000, content: { from: 'file', path: source } },
    { type: 'hardlink', path: 'data/alias', linkTarget: 'data/from-disk' },
    { type: 'file', path: longName, ...m(0o644), size: 4, content: { from: 'bytes', bytes: Buffer.from('long') } },
    { type: 'file', path: unicodeName, ...m(0o644), size: 3, content: { from: 'bytes', bytes: Buffer.from('uni') } },
    { type: 'symlink', path: 'link-abs', ...m(0o777), linkTarget: '/etc/passwd' },
    { type: 'symlink', path: 'link-long', ...m(0o777), linkTarget: `../${'t'.repeat(150)}` },
    { type: 'symlink', path: 'link-ü', ...m(0o777), linkTarget: 'ziel-ü' },
    { type: 'fifo', path: 'run/fifo', ...m(0o620) },
    { type: 'char', path: 'dev/null', ...m(0o666), devMajor: 1, devMinor: 3 },
    { type: 'block', path: 'dev/loop9', ...m(0o660, 0, 6), devMajor: 7, devMinor: 9 },
  ]
}

describe('archives we write, read by GNU tar', () => {
  const source = join(work, 'source.bin')
  writeFileSync(source, Buffer.alloc(100_000, 'x'))
  const archive = join(work, 'ours.tar')

  it('lists every member with our names, modes, owners, sizes, times and link targets', async () => {
    await writeTar(entries(source), createWriteStream(archive))
    const lines = tar('--numeric-owner', '--full-time', '-tvf', archive).trim().split('\n')
    const listed = new Map(lines.map((line) => {
      const match = /^(\S+) (\d+)\/(\d+)\s+(\S+) (\S+ \S+) (.*)$/.exec(line)
      if (!match) throw new Error(`unexpected listing line ${line}`)
      const [, perms, uid, gid, size, time, rest = ''] = match
      const [name = '', target] = rest.split(/ -> | link to /)
      return [name, { perms, owner: `${uid}/${gid}`, size, time, target }]
    }))
    expect(listed.get('tmp/')).toMatchObject({ perms: 'drwxrwxrwt', owner: '0/0' })
    expect(listed.get('empty/')).toMatchObject({ perms: 'drwx------' })
    expect(listed.get('bin/su')).toMatchObject({ perms: '-rwsr-xr-x', size: '5', time: '2023-11-14 22:13:20' })
    expect(listed.get('bin/sg')).toMatchObject({ perms: '-rwx--s--x', owner: '0/42' })
    expect(listed.get('home/big-ids')).toMatchObject({ perms: '-rw-r-----', owner: '300000/4294967294' })
    expect(listed.get('data/alias')).toMatchObject({ perms: '-rw-------', size: '100000' })
    expect(listed.get('data/from-disk')).toMatchObject({ perms: 'hrw-------', target: 'data/alias' })
    expect(listed.get(longName)).toMatchObject({ size: '4' })
    expect(listed.get(unicodeName)).toMatchObject({ size: '3' })
    expect(listed.get('link-abs')).toMatchObject({ perms: 'lrwxrwxrwx', target: '/etc/passwd' })
    expect(listed.get('link-long')?.target).toBe(`../${'t'.repeat(150)}`)
    expect(listed.get('link-ü')?.target).toBe('ziel-ü')
    expect(listed.get('run/fifo')).toMatchObject({ perms: 'prw--w----' })
    expect(listed.get('dev/null')).toMatchObject({ perms: 'crw-rw-rw-', size: '1,3' })
    expect(listed.get('dev/loop9')).toMatchObject({ perms: 'brw-rw----', owner: '0/6', size: '7,9' })
    expect(listed.size).toBe(entries(source).length)
  })

  it('extracts them as we meant them (owners and devices when root)', () => {
    const out = join(work, 'extracted')
    mkdirSync(out)
    tar('--numeric-owner', '-xpf', archive, '-C', out, ...(isRoot ? [] : ['--exclude=dev']))
    const st = (p: string) => lstatSync(join(out, p))
    expect(st('bin/su').mode & 0o7777).toBe(0o4755)
    expect(st('bin/sg').mode & 0o7777).toBe(0o2711)
    expect(st('tmp').mode & 0o7777).toBe(0o1777)
    expect(st('empty').isDirectory()).toBe(true)
    expect(st('bin/su').mtimeMs).toBe(t * 1000)
    expect(st('data/alias').ino).toBe(st('data/from-disk').ino)
    expect(readFileSync(join(out, 'data/from-disk'))).toEqual(readFileSync(source))
    expect(readFileSync(join(out, longName), 'utf8')).toBe('long')
    expect(readFileSync(join(out, unicodeName), 'utf8')).toBe('uni')
    expect(readlinkSync(join(out, 'link-long'))).toBe(`../${'t'.repeat(150)}`)
    expect(st('run/fifo').isFIFO()).toBe(true)
    if (isRoot) {
      expect([st('home/big-ids').uid, st('home/big-ids').gid]).toEqual([300000, 4294967294])
      expect(st('dev/null').isCharacterDevice()).toBe(true)
      expect(st('dev/loop9').isBlockDevice()).toBe(true)
      expect(st('dev/loop9').rdev).toBe((7 << 8) | 9)
    }
  })
})

describe('archives GNU tar writes, read by us', () => {
  const tree = join(work, 'tree')
  mkdirSync(join(tree, longDir), { recursive: true })
  mkdirSync(join(tree, 'données'))
  writeFileSync(join(tree, longName), 'long')
  writeFileSync(join(tree, unicodeName), 'uni')
  writeFileSync(join(tree, 'setuid'), 'x')
  chmodSync(join(tree, 'setuid'), 0o4711)
  linkSync(join(tree, 'setuid'), join(tree, 'hard'))
  symlinkSync(`/${'s'.repeat(120)}`, join(tree, 'symlink'))
  if (isRoot) chownSync(join(tree, 'setuid'), 3000000, 4294967294)
  chmodSync(join(tree, 'setuid'), 0o4711) // chown cleared it
  for (const p of ['setuid', longName, unicodeName]) utimesSync(join(tree, p), t + 0.75, t + 0.75)

  const read = async (archive: string): Promise<Map<string, TarEntryHeader>> => {
    const out = new Map<string, TarEntryHeader>()
    for await (const { header } of readTar([readFileSync(archive)])) out.set(header.name.replace(/\/$/, ''), header)
    return out
  }

  for (const format of ['posix', 'gnu', 'ustar'] as const) {
    it(`reads --format=${format}`, async () => {
      const archive = join(work, `gnu-${format}.tar`)
      const ok = format !== 'ustar' // ustar cannot hold the long link target or ids > 2097151
      try {
        tar(`--format=${format}`, '--numeric-owner', '-C', tree, '-cf', archive, '.')
      } catch (error) {
        if (ok) throw error
        return
      }
      const members = await read(archive)
      for (const path of ['setuid', longName, unicodeName, 'symlink', 'données', longDir]) {
        const header = members.get(`./${path}`)
        const s = lstatSync(join(tree, path))
        expect(header, path).toBeDefined()
        const isLink = header?.type === 'hardlink'
        expect(header).toMatchObject({ mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: Math.floor(s.mtimeMs / 1000), size: s.isFile() && !isLink ? s.size : 0 })
      }
      expect(members.get('./symlink')?.linkname).toBe(`/${'s'.repeat(120)}`)
      const pair = [members.get('./hard'), members.get('./setuid')].map((h) => h?.type).sort()
      expect(pair).toEqual(['file', 'hardlink'])
    })
  }
})
