// Against the real Docker engine (20.10, overlay2) and skopeo: what we save, docker load must
// accept and run; what docker saves, we must load; our history must read like docker's.
import { execFile } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { writeLayer } from '../layers'
import type { Store } from '../store'
import { openStore, putImage, resolveImage, tagImage } from '../store'
import { saveDockerArchive } from './docker-archive-writer'
import { formatHistoryTable } from './history-table'
import { imageHistory } from './image-history'
import { cachedLayerSizes } from './layer-sizes'
import { loadImages } from './load-images'
import { exportOciLayout } from './oci-export'
import { entries } from './test-fixtures.test-support'

const host = serviceOrSkip('docker')
const exec = promisify(execFile)
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }
async function docker(...args: string[]): Promise<string> {
  return (await exec(dockerBin, args, { env, maxBuffer: 64 << 20 })).stdout
}
async function skopeo(...args: string[]): Promise<string> {
  return (await exec('skopeo', ['--insecure-policy', ...args], { env, maxBuffer: 64 << 20 })).stdout
}
async function diffIdsInDocker(image: string): Promise<string[]> {
  return JSON.parse(await docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', image)) as string[]
}

const PREFIX = 'layerlab-int-image-io'
let work = ''
let store: Store
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'layerlab-int-image-io-'))
  store = await openStore(path.join(work, 'store'))
  if (!host) return
  // docker save busybox → our store: Docker 20.10 writes the legacy <id>/layer.tar layout.
  await docker('save', '-o', path.join(work, 'busybox.tar'), 'busybox:latest')
  await loadImages(store, path.join(work, 'busybox.tar'))
})
afterAll(async () => {
  if (host) {
    const ours = (await docker('image', 'ls', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter((r) => r.startsWith(PREFIX))
    if (ours.length > 0) await docker('image', 'rm', '--force', ...ours).catch(() => undefined)
  }
  if (work) await rm(work, { recursive: true, force: true })
})

async function saveToFile(refs: string[], name: string): Promise<string> {
  const file = path.join(work, name)
  await saveDockerArchive(store, refs, createWriteStream(file))
  return file
}

/** busybox plus one layer we write ourselves, tagged in our store. */
async function buildOnBusybox(tag: string): Promise<{ diffIds: string[] }> {
  const base = await resolveImage(store, 'busybox:latest')
  const layerFile = path.join(work, 'extra.tar.gz')
  const layer = await writeLayer(entries({ 'hello/layerlab.txt': 'made by layerlab\n', 'hello/link': '->layerlab.txt' }), layerFile)
  await store.putBlobFromStream(createReadStream(layerFile), { digest: layer.digest, size: layer.size })
  const history = [...((base.config.history as object[] | undefined) ?? []), { created: '2026-02-03T04:05:06Z', created_by: 'COPY layerlab.txt /hello/ # buildkit', comment: 'buildkit.dockerfile.v0' }]
  const diffIds = [...(base.config.rootfs?.diff_ids ?? []), layer.diffId]
  const config = { ...base.config, created: '2026-02-03T04:05:06Z', rootfs: { type: 'layers', diff_ids: diffIds }, history }
  await putImage(store, { config, layers: [...base.manifest.layers.map((l) => ({ digest: l.digest, size: l.size })), { digest: layer.digest, size: layer.size }], tags: [tag] })
  return { diffIds }
}

describe('image-io against Docker 20.10 and skopeo', () => {
  it.skipIf(!host)('(a) docker save → load → save → docker load: the image runs and keeps its diffIDs', async () => {
    const tag = `${PREFIX}/busybox:roundtrip`
    await tagImage(store, (await resolveImage(store, 'busybox:latest')).descriptor, [tag])
    const file = await saveToFile([tag], 'roundtrip.tar')
    expect(await docker('load', '-i', file)).toContain(`Loaded image: ${tag}`)
    expect(await diffIdsInDocker(tag)).toEqual(await diffIdsInDocker('busybox:latest'))
    // Config bytes kept exactly: Docker sees the very same image ID.
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', tag)).toBe(await docker('image', 'inspect', '--format', '{{.Id}}', 'busybox:latest'))
    expect(await docker('run', '--rm', '--network=none', tag, 'cat', '/etc/passwd')).toMatch(/^root:x:0:0:/m)
  })

  it.skipIf(!host)('(b) an image we built on busybox loads into docker and runs our layer', async () => {
    const tag = `${PREFIX}/app:b`
    const { diffIds } = await buildOnBusybox(tag)
    const file = await saveToFile([tag], 'app-b.tar')
    expect(await docker('load', '-i', file)).toContain(`Loaded image: ${tag}`)
    expect(await diffIdsInDocker(tag)).toEqual(diffIds)
    expect(await docker('run', '--rm', '--network=none', tag, 'cat', '/hello/layerlab.txt')).toBe('made by layerlab\n')
    expect(await docker('run', '--rm', '--network=none', tag, 'readlink', '/hello/link')).toBe('layerlab.txt\n')
    // The same file is an OCI archive too (index.json + oci-layout), and skopeo reads both views.
    for (const view of [`oci-archive:${file}:b`, `docker-archive:${file}`]) {
      expect(JSON.parse(await skopeo('inspect', view)), view).toMatchObject({ Layers: diffIds, Os: 'linux' })
    }
  })

  it.skipIf(!host)('(c) an exported OCI layout passes skopeo inspect and skopeo copy into the daemon', async () => {
    const tag = `${PREFIX}/app:c`
    await buildOnBusybox(tag)
    const dir = path.join(work, 'layout')
    const { refName } = await exportOciLayout(store, tag, dir)
    expect(refName).toBe('c')
    const inspected = JSON.parse(await skopeo('inspect', `oci:${dir}:c`)) as { Digest: string; Layers: string[]; Os: string }
    const image = await resolveImage(store, tag)
    expect(inspected).toMatchObject({ Digest: image.manifestDescriptor.digest, Layers: image.manifest.layers.map((l) => l.digest), Os: 'linux' })
    const target = `${PREFIX}/skopeo:c`
    await skopeo('copy', '--quiet', '--dest-daemon-host', host ?? '', `oci:${dir}:c`, `docker-daemon:${target}`)
    expect(await diffIdsInDocker(target)).toEqual(image.config.rootfs?.diff_ids)
    expect(await docker('run', '--rm', '--network=none', target, 'cat', '/hello/layerlab.txt')).toBe('made by layerlab\n')
  })

  it.skipIf(!host)('(c) loads the OCI archive skopeo writes from the daemon', async () => {
    const archive = path.join(work, 'busybox-oci.tar')
    await skopeo('copy', '--quiet', '--src-daemon-host', host ?? '', 'docker-daemon:busybox:latest', `oci-archive:${archive}:busybox:oci`)
    const other = await openStore(path.join(work, 'store-oci'))
    const result = await loadImages(other, archive)
    expect(result).toMatchObject({ format: 'oci-layout', images: [{ tags: ['busybox:oci'] }] })
    expect((await resolveImage(other, 'busybox:oci')).config.rootfs?.diff_ids).toEqual(await diffIdsInDocker('busybox:latest'))
  })

  it.skipIf(!host)('(d) docker history of an image docker loaded from us matches imageHistory, table and all', async () => {
    const tag = `${PREFIX}/app:d`
    await buildOnBusybox(tag)
    await docker('load', '-i', await saveToFile([tag], 'app-d.tar'))
    const ours = await imageHistory(store, tag)
    const theirs = (await docker('history', '--no-trunc', '--human=false', '--format', '{{.CreatedBy}}\t{{.Size}}', tag)).trimEnd().split('\n')
    expect(ours.map((r) => `${r.createdBy}\t${r.size}`)).toEqual(theirs)
    // Our layer: a 17-byte file and a symlink, which an unpacked layer counts (12 bytes of target).
    expect(ours[0]?.size).toBe(17 + 12)

    expect(formatHistoryTable(ours, { trunc: false, human: false })).toBe((await docker('history', '--no-trunc', '--human=false', tag)).replace(/\n$/, ''))
    // Human ages depend on the clock; everything else must match.
    const ages = (text: string): string => text.replace(/\d+ \w+ ago|About an? \w+ ago|Less than a second ago/g, 'AGE')
    expect(ages(formatHistoryTable(ours))).toBe(ages((await docker('history', tag)).replace(/\n$/, '')))
  })

  it.skipIf(!host)('(d) a BuildKit build: same created_by; sizes differ only by what BuildKit leaves out', async () => {
    // Every kind of entry: RUN and COPY layers, empty ENV and CMD, a symlink in a RUN layer.
    const context = path.join(work, 'context')
    await mkdir(context, { recursive: true })
    await writeFile(path.join(context, 'app.txt'), 'x'.repeat(12_345))
    await writeFile(
      path.join(context, 'Dockerfile'),
      'FROM busybox:latest\nENV GREETING=hello\nRUN mkdir -p /data && head -c 54321 /dev/zero > /data/zeros && ln -s /data/zeros /data/link\nCOPY app.txt /app/\nCMD ["cat", "/app/app.txt"]\n',
    )
    const built = `${PREFIX}/built:d`
    await docker('build', '--network=none', '-t', built, context)
    await docker('save', '-o', path.join(work, 'built.tar'), built)
    const other = await openStore(path.join(work, 'store-d'))
    await loadImages(other, path.join(work, 'built.tar'))

    const ours = await imageHistory(other, built)
    const theirs = (await docker('history', '--no-trunc', '--human=false', '--format', '{{.CreatedBy}}\t{{.Size}}', built)).trimEnd().split('\n')
    // Docker sizes a layer BuildKit committed by its tar-split payload: symlinks count 0 there.
    const expected = await Promise.all(
      ours.map(async (r) => {
        const sizes = r.diffId ? await cachedLayerSizes(other, r.diffId) : undefined
        const committedByBuildKit = r.comment === 'buildkit.dockerfile.v0'
        return `${r.createdBy}\t${committedByBuildKit && sizes ? r.size - sizes.symlinkBytes : r.size}`
      }),
    )
    expect(expected).toEqual(theirs)
    expect(ours.map((r) => r.size)).toEqual([0, 12_345, 54_321 + '/data/zeros'.length, 0, 1_984_311])
  })
})
