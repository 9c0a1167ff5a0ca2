import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamHasher, openBuildContext } from '../../context'
import type { BuildContext } from '../../context'
import type { AddInstruction, CopyInstruction } from '../../dockerfile'
import { buildCopyLayer } from './copy-layer'
import { busyboxLike, fakeRootfs } from './fake-rootfs.test-support'
import { compact, layerRows } from './layer-entries.test-support'
import type { RootfsView } from './rootfs-port'

type Member = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device'; body?: string; linkname?: string; mode?: number; uid?: number; gid?: number; mtime?: Date }

async function tarOf(members: Member[]): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()))
  for (const m of members) {
    const { body, ...header } = m
    await new Promise<void>((resolve, reject) =>
      p.entry({ mode: m.type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: new Date(1_000_000_000_000), ...header }, body ?? '', (err) => (err ? reject(err) : resolve())),
    )
  }
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

const work = mkdtempSync(join(tmpdir(), 'layerlab-add-test-'))
const ctxDir = join(work, 'context')
let context: BuildContext
const NOW = 1_700_000_000

const has = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

beforeAll(async () => {
  mkdirSync(ctxDir, { recursive: true })
  const plain = await tarOf([
    { name: 'top/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
    { name: 'top/file', body: 'data', uid: 1000, gid: 1000, mode: 0o4755 },
    { name: 'top/hard', type: 'link', linkname: 'top/file', uid: 1000, gid: 1000, mode: 0o4755 },
    { name: 'top/sym', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'deep/er/x', body: 'x' },
  ])
  writeFileSync(join(ctxDir, 'plain.tar'), plain)
  writeFileSync(join(ctxDir, 'archive.tgz'), gzipSync(plain))
  writeFileSync(join(ctxDir, 'fake.tar.gz'), 'not an archive at all')
  writeFileSync(join(ctxDir, 'empty.tar'), Buffer.alloc(1024))
  if (has('bzip2')) writeFileSync(join(ctxDir, 'archive.tbz'), execFileSync('bzip2', ['-c'], { input: plain }))
  if (has('xz')) writeFileSync(join(ctxDir, 'archive.txz'), execFileSync('xz', ['-c'], { input: plain }))
  writeFileSync(join(ctxDir, 'dotdot.tar'), await tarOf([{ name: 'ok', body: '1' }, { name: '../evil', body: 'evil' }]))
  writeFileSync(join(ctxDir, 'sneaky.tar'), await tarOf([{ name: 'a/../../evil', body: 'evil' }]))
  writeFileSync(join(ctxDir, 'abs.tar'), await tarOf([{ name: '/abs/file', body: 'abs' }]))
  writeFileSync(join(ctxDir, 'abs-link.tar'), await tarOf([{ name: 'esc', type: 'symlink', linkname: '/etc' }, { name: 'esc/passwd', body: 'pwned' }]))
  writeFileSync(join(ctxDir, 'rel-link.tar'), await tarOf([{ name: 'esc', type: 'symlink', linkname: '../../..' }, { name: 'esc/etc/passwd', body: 'pwned' }]))
  writeFileSync(join(ctxDir, 'device.tar'), await tarOf([{ name: 'null', type: 'character-device' }]))
  writeFileSync(join(ctxDir, 'replace.tar'), await tarOf([{ name: 'etc', body: 'f' }, { name: 'etc/', type: 'directory' }]))
  context = await openBuildContext({ contextDir: ctxDir, hasher: createStreamHasher() })
})
afterAll(async () => {
  await context.close()
  rmSync(work, { recursive: true, force: true })
})

const base = { original: '', line: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } }
const add = (over: Partial<AddInstruction>): AddInstruction =>
  ({ ...base, keyword: 'ADD', kind: 'add', sources: [], heredocs: [], dest: '/', chown: null, chmod: null, link: false, excludes: [], keepGitDir: null, checksum: null, unpack: null, ...over }) as AddInstruction
const copy = (over: Partial<CopyInstruction>): CopyInstruction =>
  ({ ...base, keyword: 'COPY', kind: 'copy', sources: [], heredocs: [], dest: '/', chown: null, chmod: null, link: false, excludes: [], from: null, parents: false, ...over }) as CopyInstruction

let n = 0
async function layer(instruction: AddInstruction | CopyInstruction, parent: RootfsView = busyboxLike()): Promise<string[]> {
  const out = join(work, `layer-${++n}.tar.gz`)
  await buildCopyLayer({ instruction, workdir: '/', parent, source: { kind: 'context', context }, out, timestamp: NOW })
  return compact(await layerRows(out))
}

const EXTRACTED = [
  'out/ dir 0755 0:0',
  'out/deep/ dir 0755 0:0',
  'out/deep/er/ dir 0755 0:0',
  'out/deep/er/x file 0644 0:0 1',
  'out/top/ dir 0750 1000:1000',
  'out/top/file file 4755 1000:1000 4',
  'out/top/hard hardlink 4755 1000:1000 out/top/file',
  'out/top/sym symlink 0777 0:0 /etc/passwd',
]

describe('ADD unpacks local archives by content', () => {
  it.each([
    ['plain.tar', true],
    ['archive.tgz', true],
    ['archive.tbz', has('bzip2')],
    ['archive.txz', has('xz')],
  ])('%s', async (name, run) => {
    if (!run) return
    expect(await layer(add({ sources: [name], dest: '/out' }))).toEqual(EXTRACTED)
  })

  it('--chown applies to extracted entries and the destination, not to implied parents', async () => {
    expect(await layer(add({ sources: ['plain.tar'], dest: '/out/', chown: '100:200' }))).toEqual([
      'out/ dir 0755 100:200',
      'out/deep/ dir 0755 0:0',
      'out/deep/er/ dir 0755 0:0',
      'out/deep/er/x file 0644 100:200 1',
      'out/top/ dir 0750 100:200',
      'out/top/file file 4755 100:200 4',
      'out/top/hard hardlink 4755 100:200 out/top/file',
      'out/top/sym symlink 0777 100:200 /etc/passwd',
    ])
  })

  it.each([
    ['a .tar.gz that is not an archive is copied as a file', add({ sources: ['fake.tar.gz'], dest: '/out/' }), ['out/ dir 0755 0:0', 'out/fake.tar.gz file 0644 0:0 21']],
    ['end blocks only is not an archive', add({ sources: ['empty.tar'], dest: '/out/' }), ['out/ dir 0755 0:0', 'out/empty.tar file 0644 0:0 1024']],
    ['--unpack=false copies', add({ sources: ['plain.tar'], dest: '/out/', unpack: false }), ['out/ dir 0755 0:0', 'out/plain.tar file 0644 0:0 4608']],
    ['COPY never unpacks', copy({ sources: ['archive.tgz'], dest: '/' }), [expect.stringMatching(/^archive\.tgz file 0644 0:0 \d+$/)]],
    ['an absolute member name lands inside the destination', add({ sources: ['abs.tar'], dest: '/out/' }), ['out/ dir 0755 0:0', 'out/abs/ dir 0755 0:0', 'out/abs/file file 0644 0:0 3']],
    [
      'an absolute symlink is followed inside the destination',
      add({ sources: ['abs-link.tar'], dest: '/out/' }),
      ['out/ dir 0755 0:0', 'out/esc symlink 0777 0:0 /etc', 'out/etc/ dir 0755 0:0', 'out/etc/passwd file 0644 0:0 5'],
    ],
  ])('%s', async (_name, instruction, want) => {
    expect(await layer(instruction)).toEqual(want)
  })

  it.each([
    ['../evil', 'dotdot.tar', 'archive path "../evil" is outside extraction root'],
    ['a/../../evil', 'sneaky.tar', 'archive path "a/../../evil" is outside extraction root'],
    ['a relative symlink out of the destination, then a file through it', 'rel-link.tar', 'archive symlink "esc" points outside extraction root'],
    ['a device', 'device.tar', 'unsupported tar entry "null" type 51'],
  ])('refuses %s', async (_name, file, message) => {
    await expect(layer(add({ sources: [file], dest: '/out/' }))).rejects.toThrow(message)
  })

  it('replacing a parent directory with a new one makes it opaque', async () => {
    const parent = fakeRootfs([{ path: '/out/etc/old', type: 'file', content: 'o' }])
    expect(await layer(add({ sources: ['replace.tar'], dest: '/out/' }), parent)).toEqual(['out/ dir 0755 0:0', 'out/etc/ dir 0755 0:0', 'out/etc/.wh..wh..opq file 0755 0:0 0'])
  })

  it('extracts onto a parent tree, merging directories', async () => {
    const parent = fakeRootfs([{ path: '/out/top', type: 'dir', mode: 0o700, uid: 5, gid: 5 }, { path: '/out/top/keep', type: 'file', content: 'k' }])
    expect((await layer(add({ sources: ['plain.tar'], dest: '/out' }), parent)).slice(0, 5)).toEqual([
      'out/ dir 0755 0:0',
      'out/deep/ dir 0755 0:0',
      'out/deep/er/ dir 0755 0:0',
      'out/deep/er/x file 0644 0:0 1',
      'out/top/ dir 0750 1000:1000',
    ])
  })
})
