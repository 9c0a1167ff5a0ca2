import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamHasher, openBuildContext } from '../../context'
import type { BuildContext } from '../../context'
import type { AddInstruction, CopyInstruction } from '../../dockerfile'
import { EMPTY_LAYER_DIFF_ID } from '../../layers'
import { buildCopyLayer } from './copy-layer'
import type { CopyStepInput } from './copy-layer'
import { busyboxLike, fakeRootfs } from './fake-rootfs.test-support'
import { compact, layerRows } from './layer-entries.test-support'
import type { RootfsView } from './rootfs-port'
import { buildWorkdirLayer } from './workdir-layer'

const work = mkdtempSync(join(tmpdir(), 'layerlab-copy-test-'))
const ctxDir = join(work, 'context')
let context: BuildContext
const NOW = 1_700_000_000
const T = 1_500_000_000

beforeAll(async () => {
  mkdirSync(join(ctxDir, 'dir/sub'), { recursive: true })
  writeFileSync(join(ctxDir, 'a.txt'), 'hello')
  writeFileSync(join(ctxDir, 'b.txt'), 'bee')
  writeFileSync(join(ctxDir, 'exe.sh'), '#!/bin/sh\n')
  chmodSync(join(ctxDir, 'exe.sh'), 0o755)
  writeFileSync(join(ctxDir, 'skip.log'), 'log')
  writeFileSync(join(ctxDir, 'dir/f1'), 'one')
  chmodSync(join(ctxDir, 'dir/f1'), 0o600)
  writeFileSync(join(ctxDir, 'dir/sub/f2'), 'two')
  writeFileSync(join(ctxDir, 'dir/sub/x.log'), 'x')
  linkSync(join(ctxDir, 'dir/f1'), join(ctxDir, 'dir/hard'))
  symlinkSync('f1', join(ctxDir, 'dir/link'))
  symlinkSync('/etc/passwd', join(ctxDir, 'dir/evil-abs'))
  symlinkSync('../../../outside', join(ctxDir, 'dir/evil-rel'))
  symlinkSync('dir', join(ctxDir, 'linkdir'))
  symlinkSync('/etc/hostname', join(ctxDir, 'evil'))
  chmodSync(join(ctxDir, 'dir'), 0o700)
  for (const p of ['a.txt', 'b.txt', 'exe.sh', 'skip.log', 'dir/f1', 'dir/sub/f2', 'dir/sub/x.log', 'dir/sub', 'dir']) utimesSync(join(ctxDir, p), T, T)
  context = await openBuildContext({ contextDir: ctxDir, hasher: createStreamHasher() })
})
afterAll(async () => {
  await context.close()
  rmSync(work, { recursive: true, force: true })
})

const base = { original: '', line: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } }
const copy = (over: Partial<CopyInstruction>): CopyInstruction =>
  ({ ...base, keyword: 'COPY', kind: 'copy', sources: [], heredocs: [], dest: '/', chown: null, chmod: null, link: false, excludes: [], from: null, parents: false, ...over }) as CopyInstruction
const add = (over: Partial<AddInstruction>): AddInstruction =>
  ({ ...base, keyword: 'ADD', kind: 'add', sources: [], heredocs: [], dest: '/', chown: null, chmod: null, link: false, excludes: [], keepGitDir: null, checksum: null, unpack: null, ...over }) as AddInstruction

let n = 0
async function layer(instruction: CopyInstruction | AddInstruction, opts: Partial<CopyStepInput> = {}): Promise<string[]> {
  const out = join(work, `layer-${++n}.tar.gz`)
  await buildCopyLayer({ instruction, workdir: '/', parent: busyboxLike(), source: { kind: 'context', context }, out, timestamp: NOW, ...opts })
  return compact(await layerRows(out))
}

describe('COPY from the context onto a busybox-like parent', () => {
  it.each([
    ['a file into an existing dir: the dir appears with its own metadata', copy({ sources: ['a.txt'], dest: '/etc/a.txt' }), ['etc/ dir 0755 0:0', 'etc/a.txt file 0644 0:0 5']],
    ['trailing slash', copy({ sources: ['a.txt'], dest: '/etc/' }), ['etc/ dir 0755 0:0', 'etc/a.txt file 0644 0:0 5']],
    ['an existing dir without slash still takes the file inside', copy({ sources: ['a.txt'], dest: '/etc' }), ['etc/ dir 0755 0:0', 'etc/a.txt file 0644 0:0 5']],
    ['an owner other than root on the parent is kept', copy({ sources: ['a.txt'], dest: '/home/' }), ['home/ dir 0755 65534:65534', 'home/a.txt file 0644 0:0 5']],
    ['missing parents: 0755 root', copy({ sources: ['a.txt'], dest: '/x/y/z.txt' }), ['x/ dir 0755 0:0', 'x/y/ dir 0755 0:0', 'x/y/z.txt file 0644 0:0 5']],
    [
      'a directory copies its contents; the new dest dir is 0755, not the source dir mode',
      copy({ sources: ['dir'], dest: '/app' }),
      [
        'app/ dir 0755 0:0',
        'app/evil-abs symlink 0777 0:0 /etc/passwd',
        'app/evil-rel symlink 0777 0:0 ../../../outside',
        'app/f1 file 0600 0:0 3',
        'app/hard hardlink 0600 0:0 app/f1',
        'app/link symlink 0777 0:0 f1',
        'app/sub/ dir 0755 0:0',
        'app/sub/f2 file 0644 0:0 3',
        'app/sub/x.log file 0644 0:0 1',
      ],
    ],
    ['a symlink named directly is followed (under its own name)', copy({ sources: ['linkdir/link'], dest: '/' }), ['link file 0600 0:0 3']],
    ['../ cannot leave the context', copy({ sources: ['../../a.txt'], dest: '/' }), ['a.txt file 0644 0:0 5']],
    ['wildcard with one match onto a file name', copy({ sources: ['a.*'], dest: '/renamed' }), ['renamed file 0644 0:0 5']],
    ['several sources into a dir', copy({ sources: ['a.txt', 'b.txt'], dest: '/d/' }), ['d/ dir 0755 0:0', 'd/a.txt file 0644 0:0 5', 'd/b.txt file 0644 0:0 3']],
    ['relative to WORKDIR', copy({ sources: ['a.txt'], dest: 'sub/' }), ['srv/ dir 0755 0:0', 'srv/sub/ dir 0755 0:0', 'srv/sub/a.txt file 0644 0:0 5']],
    [
      '--exclude',
      copy({ sources: ['dir'], dest: '/app/', excludes: ['**/*.log', 'evil*', 'link', 'hard'] }),
      ['app/ dir 0755 0:0', 'app/f1 file 0600 0:0 3', 'app/sub/ dir 0755 0:0', 'app/sub/f2 file 0644 0:0 3'],
    ],
    [
      '--parents keeps the path below the context',
      copy({ sources: ['dir/sub/f2', 'a.txt'], dest: '/p/', parents: true }),
      ['p/ dir 0755 0:0', 'p/a.txt file 0644 0:0 5', 'p/dir/ dir 0700 0:0', 'p/dir/sub/ dir 0755 0:0', 'p/dir/sub/f2 file 0644 0:0 3'],
    ],
    [
      '--parents with a /./ pivot and a wildcard',
      copy({ sources: ['dir/./sub/*.log'], dest: '/p/', parents: true }),
      ['p/ dir 0755 0:0', 'p/sub/ dir 0755 0:0', 'p/sub/x.log file 0644 0:0 1'],
    ],
    [
      '--chown by name and --chmod: created dirs take both',
      copy({ sources: ['a.txt'], dest: '/n/a.txt', chown: 'daemon:staff', chmod: '640' }),
      ['n/ dir 0640 1:50', 'n/a.txt file 0640 1:50 5'],
    ],
    ['--chown numeric user alone: gid = uid', copy({ sources: ['exe.sh'], dest: '/tmp/', chown: '1000' }), ['tmp/ dir 1777 0:0', 'tmp/exe.sh file 0755 1000:1000 10']],
    ['--chmod symbolic', copy({ sources: ['a.txt', 'exe.sh'], dest: '/s/', chmod: 'go-r' }), ['s/ dir 0755 0:0', 's/a.txt file 0600 0:0 5', 's/exe.sh file 0711 0:0 10']],
    ['heredoc', copy({ heredocs: [{ name: 'EOF', content: 'hi\n', expand: true }], dest: '/etc/motd' }), ['etc/ dir 0755 0:0', 'etc/motd file 0644 0:0 3']],
    ['heredoc into a dir gets the delimiter name', copy({ heredocs: [{ name: 'EOF', content: 'hi\n', expand: true }], dest: '/h/' }), ['h/ dir 0755 0:0', 'h/EOF file 0644 0:0 3']],
    ['a file replaces a parent file', copy({ sources: ['b.txt'], dest: '/etc/passwd' }), ['etc/ dir 0755 0:0', 'etc/passwd file 0644 0:0 3']],
  ])('%s', async (_name, instruction, want) => {
    expect(await layer(instruction, { workdir: '/srv' })).toEqual(want)
  })

  it('follows symlinks of the destination inside the parent', async () => {
    const parent = fakeRootfs([
      { path: '/usr/local', type: 'symlink', linkTarget: '/opt' },
      { path: '/opt', type: 'dir', mode: 0o750, uid: 3, gid: 4 },
    ])
    expect(await layer(copy({ sources: ['a.txt'], dest: '/usr/local/bin/x' }), { parent })).toEqual([
      'opt/ dir 0750 3:4',
      'opt/bin/ dir 0755 0:0',
      'opt/bin/x file 0644 0:0 5',
    ])
  })

  it('--link ignores the parent: no parent dirs, symlinks in the destination not followed', async () => {
    const parent = fakeRootfs([{ path: '/usr/local', type: 'symlink', linkTarget: '/opt' }])
    expect(await layer(copy({ sources: ['a.txt'], dest: '/usr/local/bin/x', link: true }), { parent })).toEqual([
      'usr/ dir 0755 0:0',
      'usr/local/ dir 0755 0:0',
      'usr/local/bin/ dir 0755 0:0',
      'usr/local/bin/x file 0644 0:0 5',
    ])
    expect(await layer(copy({ sources: ['a.txt'], dest: '/etc/', link: true }))).toEqual(['etc/ dir 0755 0:0', 'etc/a.txt file 0644 0:0 5'])
  })

  it('keeps the step time on touched parent dirs and the source time on copied entries', async () => {
    const out = join(work, 'times.tar.gz')
    await buildCopyLayer({ instruction: copy({ sources: ['a.txt'], dest: '/etc/' }), workdir: '/', parent: busyboxLike(), source: { kind: 'context', context }, out, timestamp: NOW })
    const { readLayer } = await import('../../layers')
    const { readFile } = await import('node:fs/promises')
    const times: Record<string, number> = {}
    for await (const { header } of readLayer([await readFile(out)])) times[header.name] = header.mtime
    expect(times).toEqual({ 'etc/': NOW, 'etc/a.txt': T })
  })

  it.each([
    ['several sources onto a new file name', copy({ sources: ['a.txt', 'b.txt'], dest: '/new' }), 'When using COPY with more than one source file, the destination must be a directory and end with a /'],
    ['a missing source', copy({ sources: ['nope'], dest: '/' }), '"/nope": not found'],
    ['a context symlink pointing outside, named directly', copy({ sources: ['evil'], dest: '/' }), '"/evil": not found'],
    ['a directory onto a parent file', copy({ sources: ['dir'], dest: '/etc/passwd' }), 'cannot copy to non-directory: /etc/passwd'],
    ['a file onto a parent directory path inside a dir copy', copy({ sources: ['a.txt'], dest: '/lib/' }), null],
    ['an unknown --chown user', copy({ sources: ['a.txt'], dest: '/', chown: 'nobody-here' }), 'unable to find user nobody-here'],
    ['a URL in COPY', copy({ sources: ['https://example.com/x'], dest: '/' }), "source can't be a URL for COPY"],
  ])('refuses %s', async (_name, instruction, message) => {
    const run = layer(instruction)
    if (message === null) await expect(run).resolves.toBeDefined()
    else await expect(run).rejects.toThrow(message)
  })

  it('a directory whose entry meets a parent file fails like fsutil', async () => {
    const parent = fakeRootfs([{ path: '/app/sub', type: 'file', content: 'x' }])
    await expect(layer(copy({ sources: ['dir'], dest: '/app/' }), { parent })).rejects.toThrow('cannot copy to non-directory: /app/sub')
    const parent2 = fakeRootfs([{ path: '/app/f1', type: 'dir' }])
    await expect(layer(copy({ sources: ['dir'], dest: '/app/' }), { parent: parent2 })).rejects.toThrow('cannot replace to directory /app/f1 with file')
  })

  it('nested directories that exist take the source metadata; the destination keeps its own', async () => {
    const parent = fakeRootfs([
      { path: '/app', type: 'dir', mode: 0o750, uid: 9, gid: 9 },
      { path: '/app/sub', type: 'dir', mode: 0o777, uid: 9, gid: 9 },
      { path: '/app/sub/keep', type: 'file', content: 'k' },
    ])
    expect(await layer(copy({ sources: ['dir'], dest: '/app', excludes: ['evil*', 'link', 'hard', 'f1'] }), { parent })).toEqual([
      'app/ dir 0750 9:9',
      'app/sub/ dir 0755 0:0',
      'app/sub/f2 file 0644 0:0 3',
      'app/sub/x.log file 0644 0:0 1',
    ])
  })
})

describe('COPY --from another filesystem', () => {
  const stage: RootfsView = fakeRootfs([
    { path: '/out/bin/tool', type: 'file', mode: 0o755, uid: 1000, gid: 1000, content: 'tool', mtime: 42 },
    { path: '/out/etc', type: 'symlink', linkTarget: '../etc' },
    { path: '/out/data', type: 'dir', mode: 0o700, uid: 1000, gid: 1000 },
    { path: '/out/data/a', type: 'file', uid: 1000, gid: 1000, content: 'aa' },
    { path: '/link', type: 'symlink', linkTarget: '/out/bin/tool' },
  ])
  const from = (over: Partial<CopyInstruction>) => layer(copy({ from: 'build', ...over }), { source: { kind: 'rootfs', rootfs: stage } })

  it.each([
    ['owners are kept', { sources: ['/out'], dest: '/app/' }, ['app/ dir 0755 0:0', 'app/bin/ dir 0755 0:0', 'app/bin/tool file 0755 1000:1000 4', 'app/data/ dir 0700 1000:1000', 'app/data/a file 0644 1000:1000 2', 'app/etc symlink 0777 1000:1000 ../etc'.replace('1000:1000', '0:0')]],
    ['a named symlink is followed', { sources: ['/link'], dest: '/usr/sbin/' }, ['usr/ dir 0755 0:0', 'usr/sbin/ dir 0755 0:0', 'usr/sbin/link file 0755 1000:1000 4']],
    ['wildcards', { sources: ['/out/*/a'], dest: '/w/' }, ['w/ dir 0755 0:0', 'w/a file 0644 1000:1000 2']],
    ['--chown overrides', { sources: ['/out/data'], dest: '/d', chown: '5:6' }, ['d/ dir 0755 5:6', 'd/a file 0644 5:6 2']],
  ])('%s', async (_name, over, want) => {
    expect(await from(over)).toEqual(want)
  })

  it('a missing path fails', async () => {
    await expect(from({ sources: ['/nope'], dest: '/' })).rejects.toThrow('"/nope": not found')
  })
})

describe('WORKDIR', () => {
  async function workdir(path: string, user: string, parent: RootfsView = busyboxLike()) {
    const out = join(work, `wd-${++n}.tar.gz`)
    const digests = await buildWorkdirLayer({ path, user, parent, out, timestamp: NOW })
    return { digests, rows: compact(await layerRows(out)) }
  }

  it.each([
    ['/app', '', ['app/ dir 0755 0:0']],
    ['/usr/local/app', 'daemon', ['usr/ dir 0755 0:0', 'usr/local/ dir 0755 1:1', 'usr/local/app/ dir 0755 1:1']],
    ['/x', '1000', ['x/ dir 0755 1000:1000']],
    ['/x', '1000:50', ['x/ dir 0755 1000:50']],
    ['/x', 'ghost', ['x/ dir 0755 0:0']],
    ['/tmp', 'daemon', []],
  ])('%s as %j', async (path, user, want) => {
    expect((await workdir(path, user)).rows).toEqual(want)
  })

  it('an existing directory gives the empty layer', async () => {
    expect((await workdir('/etc', '')).digests.diffId).toBe(EMPTY_LAYER_DIFF_ID)
  })

  it('follows a symlinked path inside the image', async () => {
    expect((await workdir('/lib64/app', '')).rows).toEqual(['lib/ dir 0755 0:0', 'lib/app/ dir 0755 0:0'])
  })

  it('refuses a file in the way', async () => {
    await expect(workdir('/etc/passwd/x', '')).rejects.toThrow('mkdir /etc/passwd: not a directory')
  })
})

describe('ADD from the context without archives behaves like COPY', () => {
  it('copies a plain file', async () => {
    expect(await layer(add({ sources: ['a.txt'], dest: '/' }))).toEqual(['a.txt file 0644 0:0 5'])
  })
})
