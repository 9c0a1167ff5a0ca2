// The merged lower dir: whiteouts and opaque directories of the snapshots applied, files hard
// links to the snapshots' inodes, the image's owners and modes, one tree per chain.
import { createHash } from 'node:crypto'
import { lstat, readdir, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emptyRootfs } from '../rootfs'
import { fixture, testImage, type TestImage } from './busybox-rootfs.test-support'
import { MergedLowers, chainId } from './overlay-lowers'
import { prepareMountPoints } from './mount-stubs'

const isRoot = process.getuid?.() === 0
let image: TestImage
beforeAll(async () => {
  image = await testImage('layerlab-lowers-')
})
afterAll(async () => image.dispose())

describe('chainId', () => {
  it('is the OCI ChainID of the diffIDs', () => {
    const a = `sha256:${'a'.repeat(64)}`
    const b = `sha256:${'b'.repeat(64)}`
    expect(chainId([a])).toBe(a)
    expect(chainId([a, b])).toBe(`sha256:${createHash('sha256').update(`${a} ${b}`).digest('hex')}`)
    expect(chainId([a, b])).not.toBe(chainId([b, a]))
    expect(chainId([])).toBe('scratch')
  })
})

describe.skipIf(!isRoot)('MergedLowers', () => {
  it('materialises the merged view once per chain, with whiteouts and opaque dirs applied', async () => {
    const { dir, text } = fixture
    const one = await image.put([
      dir('etc'),
      text('etc/keep', 'k\n'),
      text('etc/gone', 'g\n'),
      dir('opt', 0o750, 7, 8),
      text('opt/old', 'o\n', 0o4755, 7, 8),
      dir('opt/deep'),
      text('opt/deep/x', 'x\n'),
      { type: 'symlink', path: 'lnk', linkTarget: '/etc/keep', mode: 0o777, uid: 5, gid: 6, mtime: fixture.mtime },
      { type: 'fifo', path: 'pipe', mode: 0o600, uid: 0, gid: 0, mtime: fixture.mtime },
    ])
    const two = await image.put([
      dir('etc'),
      { type: 'whiteout', path: 'etc/gone' },
      dir('opt', 0o700, 9, 9),
      { type: 'opaque', path: 'opt' },
      text('opt/new', 'n\n'),
      { type: 'hardlink', path: 'etc/keep2', linkTarget: 'opt/new' },
    ])
    const view = await image.open([one, two])
    const lowers = new MergedLowers(join(image.work, 'lowers'), true)
    const root = await lowers.ensure(view)
    expect(root.endsWith(chainId(view.diffIds).slice('sha256:'.length))).toBe(true)
    expect((await readdir(root)).sort()).toEqual(['etc', 'lnk', 'opt', 'pipe'])
    expect((await readdir(join(root, 'etc'))).sort()).toEqual(['keep', 'keep2'])
    expect(await readdir(join(root, 'opt'))).toEqual(['new'])
    const opt = await stat(join(root, 'opt'))
    expect([opt.mode & 0o7777, opt.uid, opt.gid, opt.mtimeMs / 1000]).toEqual([0o700, 9, 9, fixture.mtime])
    const link = await lstat(join(root, 'lnk'))
    expect([await readlink(join(root, 'lnk')), link.uid, link.gid]).toEqual(['/etc/keep', 5, 6])
    expect((await lstat(join(root, 'pipe'))).isFIFO()).toBe(true)
    // Files are the snapshots' inodes: no bytes copied, image hard links kept.
    const keep = await stat(join(root, 'etc', 'keep'))
    const entry = await view.lookup('/etc/keep')
    expect(keep.ino).toBe((await stat(entry?.hostPath ?? '')).ino)
    expect((await stat(join(root, 'etc', 'keep2'))).ino).toBe((await stat(join(root, 'opt', 'new'))).ino)
    // Same chain, same tree; the one-layer chain is another.
    expect(await lowers.ensure(await image.open([one, two]))).toBe(root)
    const first = await lowers.ensure(await image.open([one]))
    expect(first).not.toBe(root)
    expect((await readdir(join(first, 'opt'))).sort()).toEqual(['deep', 'old'])
    expect((await stat(join(first, 'opt', 'old'))).mode & 0o7777).toBe(0o4755)
  })

  it('materialises FROM scratch as an empty directory', async () => {
    const root = await new MergedLowers(join(image.work, 'lowers-empty'), true).ensure(emptyRootfs())
    expect(await readdir(root)).toEqual([])
  })
})

describe.skipIf(!isRoot)('prepareMountPoints', () => {
  it('stubs missing mount points, copies parent attributes, and refuses links in the way', async () => {
    const { dir, text } = fixture
    const layer = await image.put([
      dir('etc', 0o751, 3, 4),
      text('etc/passwd', 'root:x:0:0::/:/bin/sh\n'),
      { type: 'symlink', path: 'conf', linkTarget: '/etc', mode: 0o777, uid: 0, gid: 0, mtime: fixture.mtime },
      text('proc', 'not a dir\n'),
    ])
    const lower = await new MergedLowers(join(image.work, 'lowers-stubs'), true).ensure(await image.open([layer]))
    const stubs = join(image.work, 'stubs')
    const mountable = prepareMountPoints(
      lower,
      stubs,
      [
        { path: '/proc', type: 'dir' },
        { path: '/dev', type: 'dir' },
        { path: '/etc/hosts', type: 'file' },
        { path: '/etc/passwd', type: 'file' },
        { path: '/conf/resolv.conf', type: 'file' },
        { path: '/new/dir/file', type: 'file' },
      ],
      true,
    )
    expect([...mountable].sort()).toEqual(['/dev', '/etc/hosts', '/etc/passwd', '/new/dir/file', '/proc'])
    expect((await readdir(stubs)).sort()).toEqual(['dev', 'etc', 'new', 'proc'])
    expect(await readdir(join(stubs, 'etc'))).toEqual(['hosts'])
    const etc = await stat(join(stubs, 'etc'))
    expect([etc.mode & 0o7777, etc.uid, etc.gid, etc.mtimeMs / 1000]).toEqual([0o751, 3, 4, fixture.mtime])
    expect((await stat(join(stubs, 'new', 'dir'))).mode & 0o7777).toBe(0o755)
  })
})
