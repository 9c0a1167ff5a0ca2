// Ground truth from a real Docker engine (20.10, overlay2): our reader must understand what it
// saves, and an image whose layers we wrote must load and run with every detail intact.
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { FileTreeNode } from './file-tree-model'
import { layerRecords } from './file-tree'
import { createLayerStack, diffLayerStack } from './layer-diff'
import { digestLayerBlob, writeLayer, writeLayerFromDirectory } from './layer-digests'
import type { LayerEntry } from './layer-entry'
import { extractLayer } from './safe-extract'
import { readTar } from './tar-reader'
import { writeTar } from './tar-writer'

const host = serviceOrSkip('docker')
const run = promisify(execFile)
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(dockerBin, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 << 20 })
  return stdout
}

interface SavedImage {
  dir: string
  config: { architecture: string; os: string; rootfs: { diff_ids: string[] }; config: Record<string, unknown> }
  layers: string[]
}

/** `docker save` an image and unpack the archive with our own extractor. */
async function save(image: string, work: string): Promise<SavedImage> {
  const archive = join(work, `${image.replace(/[^a-z0-9]/gi, '_')}.tar`)
  await docker('save', '-o', archive, image)
  const dir = mkdtempSync(`${archive}.d-`)
  await extractLayer([readFileSync(archive)], dir)
  const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[]
  if (!manifest) throw new Error('empty manifest.json')
  return { dir, config: JSON.parse(readFileSync(join(dir, manifest.Config), 'utf8')) as SavedImage['config'], layers: manifest.Layers.map((l) => join(dir, l)) }
}

let work = ''
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'layerlab-int-layers-'))
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('layers against Docker 20.10', () => {
  it.skipIf(!host)('reads the layers docker save writes, and their diffIDs match the config', async () => {
    const busybox = await save('busybox:latest', work)
    expect(busybox.layers).toHaveLength(busybox.config.rootfs.diff_ids.length)
    for (const [i, layer] of busybox.layers.entries()) {
      expect((await digestLayerBlob([readFileSync(layer)])).diffId).toBe(busybox.config.rootfs.diff_ids[i])
    }
    const diffs = await diffLayerStack(busybox.layers.map((l) => () => [readFileSync(l)]))
    const paths = new Set(diffs.flatMap((d) => d.changes.map((c) => c.path)))
    expect(paths.has('bin/busybox')).toBe(true)
    expect(paths.has('bin/sh')).toBe(true)
  })

  it.skipIf(!host)('loads and runs an image whose layers we wrote, with modes, owners, names, links and whiteouts intact', async () => {
    const busybox = await save('busybox:latest', work)
    const rootfs = join(work, 'rootfs')
    mkdirSync(rootfs)
    for (const layer of busybox.layers) await extractLayer([readFileSync(layer)], rootfs)

    const base = await writeLayerFromDirectory(rootfs, join(work, 'base.tar.gz'))
    const m = { mtime: 1700000000 }
    const longName = `data/${'l'.repeat(120)}/${'n'.repeat(120)}.txt`
    const unicodeName = 'data/grüße-ファイル.txt'
    const bytes = (text: string) => ({ size: Buffer.byteLength(text), content: { from: 'bytes' as const, bytes: Buffer.from(text) } })
    const top: LayerEntry[] = [
      { type: 'dir', path: 'data', mode: 0o755, uid: 0, gid: 0, ...m },
      { type: 'file', path: 'data/suid', mode: 0o4755, uid: 300000, gid: 300001, ...m, ...bytes('suid\n') },
      { type: 'file', path: 'data/big-gid', mode: 0o2750, uid: 0, gid: 4294967294, ...m, ...bytes('') },
      { type: 'file', path: longName, mode: 0o644, uid: 0, gid: 0, ...m, ...bytes('long\n') },
      { type: 'file', path: unicodeName, mode: 0o644, uid: 0, gid: 0, ...m, ...bytes('unicode\n') },
      { type: 'file', path: 'data/hl-b', mode: 0o640, uid: 0, gid: 0, ...m, ...bytes('linked\n') },
      { type: 'hardlink', path: 'data/hl-a', linkTarget: 'data/hl-b' },
      { type: 'symlink', path: 'data/link', linkTarget: 'suid', mode: 0o777, uid: 0, gid: 0, ...m },
      { type: 'dir', path: 'data/sticky', mode: 0o1777, uid: 0, gid: 0, ...m },
      { type: 'whiteout', path: 'bin/ls' },
      { type: 'whiteout', path: 'home' },
      { type: 'dir', path: 'var', mode: 0o755, uid: 0, gid: 0, ...m },
      { type: 'opaque', path: 'var' },
      { type: 'file', path: 'var/only', mode: 0o644, uid: 0, gid: 0, ...m, ...bytes('') },
    ]
    const upper = await writeLayer(top, join(work, 'top.tar.gz'))

    const tag = 'layerlab-test/layers:written'
    const config = {
      architecture: busybox.config.architecture, os: 'linux', created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [base.diffId, upper.diffId] },
      history: [{ created_by: 'layerlab: base from a directory' }, { created_by: 'layerlab: explicit entries' }],
    }
    writeFileSync(join(work, 'config.json'), JSON.stringify(config))
    writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['base.tar.gz', 'top.tar.gz'] }]))
    const member = (name: string): LayerEntry => ({ type: 'file', path: name, mode: 0o644, uid: 0, gid: 0, mtime: 0, size: statSync(join(work, name)).size, content: { from: 'file', path: join(work, name) } })
    await writeTar(['manifest.json', 'config.json', 'base.tar.gz', 'top.tar.gz'].map(member), createWriteStream(join(work, 'image.tar')))
    await docker('load', '-i', join(work, 'image.tar'))
    expect(JSON.parse(await docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag))).toEqual([base.diffId, upper.diffId])

    const script = [
      'stat -c "%a %u %g %s" /data/suid /data/big-gid',
      `cat /data/suid /${longName} "/${unicodeName}"`,
      '[ "$(stat -c %i /data/hl-a)" = "$(stat -c %i /data/hl-b)" ] && echo same-inode',
      'readlink /data/link; stat -c %a /data/sticky',
      'test -e /bin/ls && echo ls-present || echo ls-gone',
      'test -e /home && echo home-present || echo home-gone',
      'ls -A /var; test -x /bin/busybox && echo busybox-ok',
    ].join('; ')
    const out = await docker('run', '--rm', '--network=none', tag, 'sh', '-c', script)
    expect(out.trim().split('\n')).toEqual([
      '4755 300000 300001 5', '2750 0 4294967294 0', 'suid', 'long', 'unicode', 'same-inode', 'suid', '1777', 'ls-gone', 'home-gone', 'only', 'busybox-ok',
    ])
    await docker('rmi', tag)
  })

  it.skipIf(!host)('agrees with docker export about the merged tree of a BuildKit image with whiteouts and opaque dirs', async () => {
    const ctx = join(work, 'ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'Dockerfile'), [
      'FROM busybox:latest',
      'RUN rm /bin/ls && rm -rf /var/tmp && mkdir -p /var/tmp/fresh && touch /var/tmp/fresh/f',
      'RUN rm -rf /usr && mkdir /usr && echo hi > /usr/x && touch /tmp/suid && chown 300000:300000 /tmp/suid && chmod 4755 /tmp/suid',
      'COPY --chown=7:8 Dockerfile /copied/Dockerfile',
    ].join('\n'))
    const tag = 'layerlab-test/layers:built'
    await docker('build', '--network=none', '-q', '-t', tag, ctx)
    const image = await save(tag, work)
    const stack = createLayerStack()
    const diffs = []
    for (const layer of image.layers) diffs.push(await stack.apply(layerRecords([readFileSync(layer)])))
    const run1 = diffs[1]?.changes.map((c) => `${c.change} ${c.path}`) ?? []
    // The RUN emptied and refilled /var/tmp: still there, so modified; it had no lower children.
    expect(run1).toEqual(expect.arrayContaining(['removed bin/ls', 'modified var/tmp', 'added var/tmp/fresh/f']))
    const run2 = diffs[2]?.changes.filter((c) => c.path.startsWith('usr')).map((c) => `${c.change} ${c.path}`) ?? []
    expect(run2).toEqual(expect.arrayContaining(['modified usr', 'removed usr/bin', 'added usr/x']))

    const container = (await docker('create', tag)).trim()
    const exported = join(work, 'export.tar')
    await docker('export', '-o', exported, container)
    await docker('rm', container)
    const runtime = /^(\.dockerenv|dev|proc|sys|etc\/(hostname|hosts|resolv\.conf|mtab))(\/|$)/
    const fromExport = new Map<string, string>()
    for await (const { header } of readTar([readFileSync(exported)])) {
      const path = header.name.replace(/^\.?\//, '').replace(/\/$/, '')
      if (path === '' || runtime.test(path)) continue
      fromExport.set(path, `${header.type === 'hardlink' ? 'file' : header.type} ${header.mode.toString(8)} ${header.uid}:${header.gid} ${header.linkname && header.type === 'symlink' ? header.linkname : ''}`)
    }
    const fromLayers = new Map<string, string>()
    const walk = (node: FileTreeNode): void => {
      for (const child of node.children ?? []) {
        if (!runtime.test(child.path)) fromLayers.set(child.path, `${child.type === 'hardlink' ? 'file' : child.type} ${child.mode.toString(8)} ${child.uid}:${child.gid} ${child.type === 'symlink' ? child.linkTarget : ''}`)
        walk(child)
      }
    }
    walk(stack.tree())
    expect(fromLayers).toEqual(fromExport)
    expect(fromLayers.get('tmp/suid')).toBe('file 4755 300000:300000 ')
    expect(fromLayers.get('copied/Dockerfile')).toBe('file 644 7:8 ')
    await docker('rmi', tag)
  })
})

