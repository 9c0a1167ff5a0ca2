// From an upper dir to a layer: whiteouts, opaque directories (read with GNU tar), owners of
// unprivileged runs, and runtime mount-point artefacts set aside. The sandbox part needs root.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLayer } from '../layers'
import type { LayerRef, RootfsView } from '../rootfs'
import { busyboxBaseEntries, fixture, sandboxSkipReason, testImage, type TestImage } from './busybox-rootfs.test-support'
import { LinuxSandboxExecutor, setAsideRuntimeArtefacts, upperDirEntries, upperDirToLayer, type LowerInfo, type RunResult } from '.'

const isRoot = process.getuid?.() === 0
const skip = sandboxSkipReason()

let image: TestImage
let base: LayerRef
let view: RootfsView
let executor: LinuxSandboxExecutor
const disposers: (() => Promise<void>)[] = []
beforeAll(async () => {
  if (skip) return
  image = await testImage()
  base = await image.put([...busyboxBaseEntries(), fixture.dir('-weird dir'), fixture.text('-weird dir/old', 'old\n')])
  view = await image.open([base])
  executor = LinuxSandboxExecutor.forStore(image.store)
})
afterAll(async () => {
  for (const dispose of disposers) await dispose()
  await image?.dispose()
})

async function runScript(script: string): Promise<RunResult> {
  const result = await executor.run({ args: ['/bin/sh', '-c', script], env: [], cwd: '/', user: '', network: 'none', rootfs: view, inlineFiles: [] }, () => undefined, new AbortController().signal)
  disposers.push(result.dispose)
  expect(result.exitCode).toBe(0)
  return result
}

/** name → "type mode uid:gid" of each member of the layer written for the run (whiteouts: the layer writer's metadata, not shown). */
async function layerOf(result: RunResult): Promise<string[]> {
  const file = join(image.work, `layer-${Math.random().toString(36).slice(2)}.tar.gz`)
  await upperDirToLayer(result.upperDir, file, { lowerDir: result.lowerDir })
  const members: string[] = []
  for await (const { header } of readLayer(readFileSync(file))) {
    const whiteout = /(^|\/)\.wh\.[^/]*$/.test(header.name)
    members.push(whiteout ? `${header.name} whiteout` : `${header.name} ${header.type} ${header.mode.toString(8)} ${header.uid}:${header.gid}`)
  }
  return members
}

describe.skipIf(skip)('upperDirToLayer on real runs', () => {
  it('writes exactly the changes: a new file, a new directory, a deletion (and the parent it touched)', async () => {
    const result = await runScript('touch /a; rm /etc/x; mkdir /d2')
    expect(await layerOf(result)).toEqual(['a file 644 0:0', 'd2/ dir 755 0:0', 'etc/ dir 755 0:0', 'etc/.wh.x whiteout'])
  })

  it('marks a replaced directory opaque, whatever its name', async () => {
    const result = await runScript('rm -rf /d "/-weird dir" && mkdir /d "/-weird dir" && touch /d/n')
    expect(await layerOf(result)).toEqual([
      '-weird dir/ dir 755 0:0',
      '-weird dir/.wh..wh..opq whiteout',
      'd/ dir 755 0:0',
      'd/.wh..wh..opq whiteout',
      'd/n file 644 0:0',
    ])
  })

  it('writes an empty layer for a RUN that changes nothing (BuildKit still commits one)', async () => {
    expect(await layerOf(await runScript('ls / > /dev/null; cat /etc/passwd > /dev/null'))).toEqual([])
  })

  it('keeps a file changed by owner and mode, and a deleted directory as one whiteout', async () => {
    const result = await runScript('chown 1000:100 /etc/passwd && chmod 600 /etc/passwd && rm -rf /home/user')
    expect(await layerOf(result)).toEqual(['etc/ dir 755 0:0', 'etc/passwd file 600 1000:100', 'home/ dir 755 0:0', 'home/.wh.user whiteout'])
  })
})

describe.skipIf(!isRoot)('upperDirEntries without a sandbox', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerlab-upper-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('translates the unprivileged owner back to root', async () => {
    const upper = join(dir, 'rootless')
    mkdirSync(join(upper, 'home'), { recursive: true })
    writeFileSync(join(upper, 'home', 'f'), 'x')
    for (const path of [join(upper, 'home'), join(upper, 'home', 'f')]) chownSync(path, 4321, 4322)
    execFileSync('mknod', [join(upper, 'gone'), 'c', '0', '0'])
    const entries = await upperDirEntries(upper, { hostRoot: { uid: 4321, gid: 4322 } })
    expect(entries.map((e) => `${e.type} ${e.path} ${'uid' in e ? `${e.uid}:${e.gid}` : ''}`).sort()).toEqual(['dir home 0:0', 'file home/f 0:0', 'whiteout gone '])
  })
})

describe('setAsideRuntimeArtefacts', () => {
  const dir = (path: string, mode = 0o755) => ({ type: 'dir', path, mode, uid: 0, gid: 0 })
  const file = (path: string, size = 0) => ({ type: 'file', path, size, mode: 0o644, uid: 0, gid: 0 })
  const lowerEtc = (path: string): LowerInfo | undefined => (path === 'etc' ? { type: 'dir', mode: 0o755, uid: 0, gid: 0 } : undefined)
  const paths = async (entries: ReturnType<typeof dir>[], lower?: (path: string) => LowerInfo | undefined) => (await setAsideRuntimeArtefacts(entries, lower)).map((e) => e.path)

  it('drops what Docker 20.10 leaves from a first RUN on busybox', async () => {
    const bk = [dir('etc'), file('etc/hosts'), file('etc/resolv.conf'), dir('proc'), dir('sys'), dir('x'), file('x/f', 3)]
    expect(await paths(bk, lowerEtc)).toEqual(['x', 'x/f'])
    expect(await paths([dir('etc'), dir('proc'), dir('sys')], lowerEtc)).toEqual([]) // stubs removed, /etc still copied up
    expect(await paths([dir('etc'), dir('proc'), dir('sys')])).toEqual([])
  })

  it('keeps real changes at the same paths', async () => {
    expect(await paths([dir('etc'), file('etc/hosts', 12)], lowerEtc)).toEqual(['etc', 'etc/hosts'])
    expect(await paths([dir('etc'), file('etc/hosts'), { type: 'whiteout', path: 'etc/group' } as ReturnType<typeof dir>], lowerEtc)).toEqual(['etc', 'etc/group'])
    expect(await paths([dir('etc', 0o700), file('etc/hosts')], lowerEtc)).toEqual(['etc'])
    expect(await paths([dir('proc'), file('proc/x')])).toEqual(['proc', 'proc/x'])
    expect(await paths([dir('etc'), { type: 'opaque', path: 'etc' } as ReturnType<typeof dir>, file('etc/hosts')], lowerEtc)).toEqual(['etc', 'etc'])
  })

  it('keeps a mount point the parent already had (a copy-up is a change)', async () => {
    expect(await paths([dir('proc', 0o555)], (p) => (p === 'proc' ? { type: 'dir', mode: 0o755, uid: 0, gid: 0 } : undefined))).toEqual(['proc'])
    expect(await paths([dir('etc'), file('etc/hosts')], (p) => (p === 'etc/hosts' || p === 'etc' ? { type: p === 'etc' ? 'dir' : 'file', mode: 0o755, uid: 0, gid: 0 } : undefined))).toEqual([
      'etc',
      'etc/hosts',
    ])
  })
})
