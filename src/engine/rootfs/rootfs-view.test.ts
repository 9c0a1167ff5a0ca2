import { createReadStream } from 'node:fs'
import { lstat, mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeLayer, type LayerEntry } from '../layers'
import { openStore, type Store } from '../store'
import { RootfsError, emptyRootfs, openRootfs, resolveUserSpec, snapshotLocation, type RootfsEntry, type RootfsView } from '.'

const m = { mode: 0o755, uid: 0, gid: 0, mtime: 1700000000 }
const dir = (path: string, extra: Partial<typeof m> = {}): LayerEntry => ({ type: 'dir', path, ...m, ...extra })
const file = (path: string, text: string, extra: Partial<typeof m> = {}): LayerEntry => ({
  type: 'file',
  path,
  ...m,
  mode: 0o644,
  ...extra,
  size: Buffer.byteLength(text),
  content: { from: 'bytes', bytes: Buffer.from(text) },
})
const link = (path: string, linkTarget: string): LayerEntry => ({ type: 'symlink', path, linkTarget, ...m, mode: 0o777 })

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000::/home/user:/bin/sh\n'
const GROUP = 'root:x:0:\nnobody:x:65534:\nuser:x:1000:\nstaff:x:50:user\n'

const base: LayerEntry[] = [
  dir('etc'),
  file('etc/passwd', PASSWD),
  file('etc/group', GROUP),
  dir('opt'),
  dir('opt/bin'),
  file('opt/bin/tool', 'tool v1\n', { mode: 0o755, uid: 1000, gid: 1000 }),
  { type: 'hardlink', path: 'opt/bin/tool2', linkTarget: 'opt/bin/tool' },
  dir('usr'),
  link('usr/local', '/opt'),
  link('evil', '/../../../etc'),
  link('dotdot', '../../opt'),
  link('rel', 'opt/bin'),
  link('loop1', 'loop2'),
  link('loop2', '/loop1'),
  link('dangling', '/nowhere'),
  dir('data'),
  file('data/keep', 'keep\n'),
  file('data/gone', 'gone\n'),
  dir('data/sub'),
  file('data/sub/x', 'x\n'),
  dir('opaque'),
  file('opaque/old1', '1\n'),
  file('opaque/old2', '2\n'),
  file('replaced', 'a file for now\n'),
  dir('dir2file'),
  file('dir2file/child', 'child\n'),
  dir('bin'),
  file('bin/su', 'su\n', { mode: 0o4755 }),
  file('bin/open', 'open\n', { mode: 0o666, uid: 1000 }),
  file('bin/secret', 'secret\n', { mode: 0o000, gid: 1000 }),
  dir('dev'),
  { type: 'char', path: 'dev/null', ...m, mode: 0o666, devMajor: 1, devMinor: 3 },
]
const middle: LayerEntry[] = [
  dir('etc', { mode: 0o750, gid: 42 }),
  { type: 'whiteout', path: 'data/gone' },
  { type: 'opaque', path: 'opaque' },
  dir('opaque'),
  file('opaque/new', 'new\n'),
  dir('replaced', { mode: 0o700 }),
  file('replaced/inside', 'inside\n'),
  file('dir2file', 'now a file\n'),
]
const top: LayerEntry[] = [
  dir('data'),
  file('data/gone', 'back again\n'),
  { type: 'whiteout', path: 'data/sub' },
  dir('opt'),
  dir('opt/bin'),
  file('opt/bin/new', 'new tool\n'),
]

let work = ''
let store: Store
let view: RootfsView
const layers: { diffId: string; digest: string }[] = []

async function putLayer(target: Store, entries: LayerEntry[]): Promise<{ diffId: string; digest: string }> {
  const path = join(work, `layer-${Math.random().toString(36).slice(2)}.tar.gz`)
  const { diffId, digest } = await writeLayer(entries, path)
  await target.putBlobFromStream(createReadStream(path), { digest })
  return { diffId, digest }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'layerlab-rootfs-'))
  store = await openStore(join(work, 'store'))
  for (const entries of [base, middle, top]) layers.push(await putLayer(store, entries))
  view = await openRootfs(store, layers)
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

const pick = (e: RootfsEntry | undefined): Partial<RootfsEntry> | undefined =>
  e && { path: e.path, realPath: e.realPath, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}) }

describe('merged rootfs view', () => {
  it('lists the merged root with whiteouts and replacements applied, sorted bytewise', async () => {
    expect(view.diffIds).toEqual(layers.map((l) => l.diffId))
    expect(await view.readdir('/bin')).toEqual(['open', 'secret', 'su'])
    expect(await view.readdir('/')).toEqual(['bin', 'dangling', 'data', 'dev', 'dir2file', 'dotdot', 'etc', 'evil', 'loop1', 'loop2', 'opaque', 'opt', 'rel', 'replaced', 'usr'])
    expect(pick(await view.lookup('/'))).toEqual({ path: '/', realPath: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0 })
  })

  it('applies a whiteout, a recreation above it, and a deleted directory', async () => {
    expect(await view.readdir('/data')).toEqual(['gone', 'keep'])
    expect((await view.readFile('/data/gone'))?.toString()).toBe('back again\n')
    expect(await view.lookup('/data/sub')).toBeUndefined()
    expect(await view.lookup('/data/sub/x')).toBeUndefined()
  })

  it('hides everything below an opaque directory', async () => {
    expect(await view.readdir('/opaque')).toEqual(['new'])
    expect(await view.lookup('/opaque/old1')).toBeUndefined()
  })

  it('replaces a file by a directory and a directory by a file', async () => {
    expect(pick(await view.lookup('/replaced'))).toMatchObject({ type: 'dir', mode: 0o700 })
    expect((await view.readFile('/replaced/inside'))?.toString()).toBe('inside\n')
    expect(pick(await view.lookup('/dir2file'))).toMatchObject({ type: 'file' })
    expect(await view.lookup('/dir2file/child')).toBeUndefined()
    await expect(view.readdir('/dir2file')).rejects.toMatchObject({ code: 'ENOTDIR' })
  })

  it('takes a merged directory’s metadata from the topmost layer and merges children of all', async () => {
    expect(pick(await view.lookup('/etc'))).toMatchObject({ mode: 0o750, gid: 42 })
    expect(await view.readdir('/opt/bin')).toEqual(['new', 'tool', 'tool2'])
  })

  it('follows a symlinked parent inside the rootfs, and the last component only when asked', async () => {
    expect(pick(await view.lookup('/usr/local/bin/tool'))).toEqual({ path: '/usr/local/bin/tool', realPath: '/opt/bin/tool', type: 'file', mode: 0o755, uid: 1000, gid: 1000 })
    expect(pick(await view.lookup('/usr/local'))).toMatchObject({ type: 'symlink', linkTarget: '/opt', realPath: '/usr/local' })
    expect(pick(await view.lookup('/usr/local/', { followFinal: true }))).toMatchObject({ path: '/usr/local', type: 'dir', realPath: '/opt' })
    expect(pick(await view.lookup('/rel/tool'))).toMatchObject({ realPath: '/opt/bin/tool' })
    expect(await view.readdir('/usr/local/bin')).toEqual(['new', 'tool', 'tool2'])
  })

  it('never lets a symlink climb out of the rootfs', async () => {
    expect(pick(await view.lookup('/evil/passwd'))).toMatchObject({ path: '/evil/passwd', realPath: '/etc/passwd', type: 'file' })
    expect((await view.readFile('/evil/passwd'))?.toString()).toBe(PASSWD)
    expect(pick(await view.lookup('/dotdot/bin/tool'))).toMatchObject({ realPath: '/opt/bin/tool' })
    expect(pick(await view.lookup('/../../etc/../etc/group'))).toMatchObject({ path: '/etc/group', realPath: '/etc/group' })
  })

  it('fails symlink loops with ELOOP and treats dangling links as missing', async () => {
    expect(pick(await view.lookup('/loop1'))).toMatchObject({ type: 'symlink' })
    await expect(view.lookup('/loop1/x')).rejects.toMatchObject({ code: 'ELOOP' })
    await expect(view.lookup('/loop1', { followFinal: true })).rejects.toBeInstanceOf(RootfsError)
    expect(pick(await view.lookup('/dangling'))).toMatchObject({ type: 'symlink', linkTarget: '/nowhere' })
    expect(await view.lookup('/dangling', { followFinal: true })).toBeUndefined()
    expect(await view.readFile('/dangling')).toBeUndefined()
    expect(await view.lookup('/etc/passwd/x')).toBeUndefined()
  })

  it('walks below a path depth-first, parents first, under the spelling asked for', async () => {
    const walked: string[] = []
    for await (const entry of view.walk('/usr/local')) walked.push(`${entry.path} ${entry.type} ${entry.realPath}`)
    expect(walked).toEqual([
      '/usr/local/bin dir /opt/bin',
      '/usr/local/bin/new file /opt/bin/new',
      '/usr/local/bin/tool file /opt/bin/tool',
      '/usr/local/bin/tool2 file /opt/bin/tool2',
    ])
    const all: string[] = []
    for await (const entry of view.walk('/')) all.push(entry.path)
    expect(all.slice(0, 8)).toEqual(['/bin', '/bin/open', '/bin/secret', '/bin/su', '/dangling', '/data', '/data/gone', '/data/keep'])
    expect(all).not.toContain('/data/sub')
    expect(all.filter((p) => p.startsWith('/usr'))).toEqual(['/usr', '/usr/local'])
    const none: RootfsEntry[] = []
    for await (const entry of view.walk('/etc/passwd')) none.push(entry)
    expect(none).toEqual([])
  })

  it('reports the image’s metadata: setuid, devices, hard links, bytes on disk', async () => {
    expect(pick(await view.lookup('/bin/su'))).toMatchObject({ mode: 0o4755 })
    expect(await view.lookup('/dev/null')).toMatchObject({ type: 'char', devMajor: 1, devMinor: 3, mode: 0o666, size: 0 })
    const tool = await view.lookup('/opt/bin/tool')
    const tool2 = await view.lookup('/opt/bin/tool2')
    expect(tool2).toMatchObject({ type: 'file', size: 8, uid: 1000, mode: 0o755 })
    expect(await readFile(tool2?.hostPath ?? '', 'utf8')).toBe('tool v1\n')
    expect((await lstat(tool?.hostPath ?? '')).ino).toBe((await lstat(tool2?.hostPath ?? '')).ino)
    expect(tool?.mtime).toBe(1700000000)
  })

  it.skipIf(process.getuid?.() !== 0)('as root, puts the image’s owners and modes on disk too (an overlay lowerdir)', async () => {
    let files = 0
    for await (const entry of view.walk('/')) {
      if (!entry.hostPath) continue
      const stats = await lstat(entry.hostPath)
      expect(`${entry.path} ${(stats.mode & 0o7777).toString(8)} ${stats.uid}:${stats.gid} ${stats.mtimeMs / 1000}`).toBe(
        `${entry.path} ${entry.mode.toString(8)} ${entry.uid}:${entry.gid} ${entry.mtime}`,
      )
      files++
    }
    expect(files).toBeGreaterThan(10)
    const middleDir = snapshotLocation(store, layers[1]?.diffId ?? '').rootfsDir
    const etc = await lstat(join(middleDir, 'etc'))
    expect([(etc.mode & 0o7777).toString(8), etc.gid, etc.mtimeMs]).toEqual(['750', 42, 1700000000000])
    expect((await readdir(middleDir)).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('keeps each layer’s whiteouts as marker files in its snapshot', async () => {
    const middleDir = snapshotLocation(store, layers[1]?.diffId ?? '').rootfsDir
    expect((await readdir(join(middleDir, 'data'))).sort()).toEqual(['.wh.gone'])
    expect((await readdir(join(middleDir, 'opaque'))).sort()).toEqual(['.wh..wh..opq', 'new'])
    expect(view.snapshotDirs[1]).toBe(middleDir)
  })

  it('resolves --chown names from the image’s own /etc/passwd and /etc/group', async () => {
    expect(await resolveUserSpec(view, 'user')).toEqual({ uid: 1000, gid: 1000 })
    expect(await resolveUserSpec(view, 'nobody:staff')).toEqual({ uid: 65534, gid: 50 })
    await expect(resolveUserSpec(view, 'app')).rejects.toThrow('unable to find user app: no matching entries in passwd file')
  })

  it('has only a root directory when FROM scratch', async () => {
    const scratch = emptyRootfs()
    expect(scratch.diffIds).toEqual([])
    expect(await scratch.lookup('/')).toMatchObject({ type: 'dir', mode: 0o755, path: '/' })
    expect(await scratch.readdir('/')).toEqual([])
    expect(await scratch.lookup('/etc/passwd')).toBeUndefined()
    await expect(scratch.readdir('/etc')).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await resolveUserSpec(scratch, '1000')).toEqual({ uid: 1000, gid: 1000 })
  })
})

describe('unprivileged snapshots', () => {
  it('report the image’s owners and modes from the index, whatever is on disk', async () => {
    const other = await openStore(join(work, 'store-unprivileged'))
    const layer = await putLayer(other, base)
    const plain = await openRootfs(other, [layer], { privileged: false })
    const tool = await plain.lookup('/opt/bin/tool')
    expect(tool).toMatchObject({ uid: 1000, gid: 1000, mode: 0o755 })
    expect((await lstat(tool?.hostPath ?? '')).uid).toBe(process.getuid?.())
    const secret = await plain.lookup('/bin/secret')
    expect(secret).toMatchObject({ mode: 0o000, gid: 1000 })
    expect((await lstat(secret?.hostPath ?? '')).mode & 0o777).toBe(0o400) // still readable by its owner
    expect((await plain.readFile('/bin/secret'))?.toString()).toBe('secret\n')
    expect(await plain.lookup('/dev/null')).toMatchObject({ type: 'char', devMajor: 1 })
    await expect(lstat(join(snapshotLocation(other, layer.diffId).rootfsDir, 'dev/null'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
