// Ground truth from a real Docker engine: the merged view of an image's layers must match what
// `docker export` shows for a container of it, and --chown owners must match what BuildKit wrote.
import { execFile } from 'node:child_process'
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { extractLayer, readTar } from '../layers'
import { openStore, type Store } from '../store'
import { openRootfs, resolveUserSpec, type RootfsView } from '.'

const host = serviceOrSkip('docker')
const run = promisify(execFile)
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(dockerBin, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 << 20 })
  return stdout
}

let work = ''
let store: Store
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'layerlab-int-rootfs-'))
  if (host) store = await openStore(join(work, 'store'))
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** `docker save` the image, put its layers into our store, and open them as one rootfs. */
async function openSaved(image: string): Promise<RootfsView> {
  const archive = join(work, `${image.replace(/[^a-z0-9]/gi, '_')}.tar`)
  await docker('save', '-o', archive, image)
  const dir = mkdtempSync(`${archive}.d-`)
  await extractLayer([readFileSync(archive)], dir)
  const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[]
  if (!manifest) throw new Error('empty manifest.json')
  const config = JSON.parse(readFileSync(join(dir, manifest.Config), 'utf8')) as { rootfs: { diff_ids: string[] } }
  const layers = []
  for (const [i, layer] of manifest.Layers.entries()) {
    const { digest } = await store.putBlobFromStream(createReadStream(join(dir, layer)))
    layers.push({ diffId: config.rootfs.diff_ids[i] ?? '', digest })
  }
  return openRootfs(store, layers)
}

async function build(tag: string, dockerfile: string[]): Promise<void> {
  const ctx = mkdtempSync(join(work, 'ctx-'))
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile.join('\n'))
  writeFileSync(join(ctx, 'f'), 'f\n')
  await docker('build', '--network=none', '-q', '-t', tag, ctx)
}

/** path → "type mode uid:gid size link" for everything a container's export shows. */
async function exported(image: string): Promise<Map<string, string>> {
  const container = (await docker('create', image)).trim()
  const file = join(work, `export-${container}.tar`)
  await docker('export', '-o', file, container)
  await docker('rm', container)
  const out = new Map<string, string>()
  for await (const { header } of readTar([readFileSync(file)])) {
    const path = `/${header.name.replace(/^\.?\//, '').replace(/\/$/, '')}`
    if (path === '/' || RUNTIME.test(path)) continue
    const type = header.type === 'hardlink' ? 'file' : header.type
    out.set(path, `${type} ${header.mode.toString(8)} ${header.uid}:${header.gid} ${header.type === 'symlink' ? header.linkname : ''}`)
  }
  return out
}
/** What the runtime adds to every container (and a first RUN leaves as mount points). */
const RUNTIME = /^\/(\.dockerenv|dev|proc|sys|etc\/(hostname|hosts|resolv\.conf|mtab))(\/|$)/

const BASE = 'layerlab-test/rootfs:base'

describe('rootfs against Docker', () => {
  it.skipIf(!host)('shows the same merged tree as docker export for a BuildKit image with whiteouts, opaque dirs and symlinks', async () => {
    await build(BASE, [
      'FROM busybox:latest',
      "RUN echo 'app:x:1234:4321::/home/app:/bin/sh' >> /etc/passwd && printf 'grp:x:555:\\napps:x:4321:app\\n' >> /etc/group",
      'RUN rm /bin/ls && rm -rf /var/tmp && mkdir -p /var/tmp/fresh /opt/bin && touch /var/tmp/fresh/f && echo tool > /opt/bin/tool && ln -s /../../etc /evil',
      'RUN rm -rf /usr && mkdir /usr && ln -s /opt /usr/local && echo hi > /usr/x && touch /tmp/suid && chown 300000:300000 /tmp/suid && chmod 4755 /tmp/suid',
    ])
    const view = await openSaved(BASE)
    const ours = new Map<string, string>()
    for await (const e of view.walk('/')) {
      if (!RUNTIME.test(e.path)) ours.set(e.path, `${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.linkTarget ?? ''}`)
    }
    expect(ours).toEqual(await exported(BASE))
    expect(await view.lookup('/bin/ls')).toBeUndefined()
    expect(await view.readdir('/usr')).toEqual(['local', 'x'])
    expect(await view.lookup('/usr/local/bin/tool')).toMatchObject({ realPath: '/opt/bin/tool', size: 5 })
    expect((await view.readFile('/evil/passwd'))?.toString()).toContain('app:x:1234:4321')
  })

  it.skipIf(!host)('resolves --chown to the owners BuildKit gives, from the image’s passwd and group', async () => {
    const specs = ['app', '1234', 'app:grp', '1234:grp', 'user', 'nobody:1000', 'root:apps', ':grp', 'app:']
    const tag = 'layerlab-test/rootfs:chown'
    await build(tag, [`FROM ${BASE}`, ...specs.map((spec, i) => `COPY --chown=${spec} f /c/${i}`)])
    const owners = await exported(tag)
    const view = await openSaved(BASE)
    const theirs = specs.map((spec, i) => `${spec} → ${owners.get(`/c/${i}`)?.split(' ')[2]}`)
    const ours = await Promise.all(specs.map(async (spec) => `${spec} → ${Object.values(await resolveUserSpec(view, spec)).join(':')}`))
    expect(ours).toEqual(theirs)
  })

  it.skipIf(!host)('documents BuildKit’s silent 0:0 for an unknown --chown name, which this engine refuses', async () => {
    const tag = 'layerlab-test/rootfs:ghost'
    const outcome = await build(tag, [`FROM ${BASE}`, 'COPY --chown=ghost f /c/ghost']).then(
      async () => (await exported(tag)).get('/c/ghost')?.split(' ')[2],
      (error: Error) => `failed: ${error.message}`,
    )
    expect(outcome).toBe('0:0')
    await expect(resolveUserSpec(await openSaved(BASE), 'ghost')).rejects.toThrow('unable to find user ghost: no matching entries in passwd file')
  })
})

