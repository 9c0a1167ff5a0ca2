// Against the real test registry (Distribution) and Docker engine that scripts/with-services.ts
// starts: pull what skopeo pushed there, push it back under another name, and have dockerd pull
// and run what Layerlab pushed.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { writeLayer } from '../layers'
import { decompressedLayer } from '../layers/tar-reader'
import { putImage, resolveImage } from '../store'
import { pullImage } from './pull'
import { pushImage } from './push'
import { tempStore } from './registry-fixtures.test-support'

const registry = serviceOrSkip('registry')
const dockerHost = serviceOrSkip('docker')
const exec = promisify(execFile)
const anonymous = { credentials: null } as const

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20 })
  return stdout
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 64 << 20 })
  return stdout
}

describe.skipIf(!registry)('the registry client against the test registry', () => {
  const busybox = `${registry}/library/busybox:latest`

  it('pulls busybox with the manifest, config and diffIDs skopeo sees, and gzip layers that decompress to them', async () => {
    const store = await tempStore()
    const result = await pullImage(store, busybox, anonymous)
    const resolved = await resolveImage(store, busybox)

    const rawManifest = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${busybox}`)
    expect(resolved.manifestDescriptor.digest).toBe(`sha256:${createHash('sha256').update(rawManifest).digest('hex')}`)
    const rawConfig = await skopeo('inspect', '--tls-verify=false', '--config', '--raw', `docker://${busybox}`)
    expect(resolved.manifest.config.digest).toBe(`sha256:${createHash('sha256').update(rawConfig).digest('hex')}`)
    const skopeoConfig = JSON.parse(rawConfig) as { rootfs: { diff_ids: string[] } }
    expect(resolved.config.rootfs?.diff_ids).toEqual(skopeoConfig.rootfs.diff_ids)
    const inspected = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${busybox}`)) as { Layers: string[] }
    expect(resolved.manifest.layers.map((l) => l.digest)).toEqual(inspected.Layers)

    for (const [i, layer] of resolved.manifest.layers.entries()) {
      const hash = createHash('sha256')
      for await (const chunk of await decompressedLayer(await store.openBlob(layer.digest))) hash.update(chunk)
      expect(`sha256:${hash.digest('hex')}`).toBe(skopeoConfig.rootfs.diff_ids[i])
    }
    expect(result.bytesFetched).toBeGreaterThan(0)
    expect((await pullImage(store, busybox, anonymous)).bytesFetched).toBe(0)
  })

  it('pushes it under another name (uploading, then mounting), and skopeo reads back the same manifest', async () => {
    const store = await tempStore()
    await pullImage(store, busybox, anonymous)
    const copy = `${registry}/test/copy:1`
    const uploaded = await pushImage(store, copy, { ...anonymous, source: busybox, mount: false, chunkSize: 256 << 10 })
    expect(uploaded.uploaded.length).toBeGreaterThan(0)
    const resolved = await resolveImage(store, busybox)
    expect(uploaded.digest).toBe(resolved.manifestDescriptor.digest)
    const again = await pushImage(store, copy, { ...anonymous, source: busybox })
    expect(again.uploaded).toEqual([])
    expect(again.skipped).toHaveLength(resolved.manifest.layers.length + 1)
    const mounted = await pushImage(store, `${registry}/test/mounted:1`, { ...anonymous, source: busybox })
    expect(mounted.mounted).toHaveLength(resolved.manifest.layers.length + 1)

    const raw = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${copy}`)
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(uploaded.digest)
  })

  it.skipIf(!dockerHost)('pushes images dockerd pulls and runs: the pulled one, and one written over its layers', async () => {
    const store = await tempStore()
    await pullImage(store, busybox, anonymous)
    const name = `${registry}/test/runnable:1`
    await pushImage(store, name, { ...anonymous, source: busybox, mount: false })
    // What a build FROM the pulled image writes: an OCI manifest over the base's layers, which
    // keep the media types they were pulled with (Docker's, from this registry).
    const base = await resolveImage(store, busybox)
    const derived = `${registry}/test/derived:1`
    const config = { ...base.config, config: { ...(base.config.config as object), Cmd: ['cat', '/etc/group'] } }
    await putImage(store, { config, layers: base.manifest.layers, tags: [derived] })
    await pushImage(store, derived, anonymous)
    try {
      // dockerd treats 127.0.0.0/8 as insecure by default: plain http is fine there.
      await docker('pull', name)
      expect(await docker('run', '--rm', '--network=none', name, 'cat', '/etc/passwd')).toMatch(/^root:x:0:0:/m)
      await docker('pull', derived)
      expect(await docker('run', '--rm', '--network=none', derived)).toMatch(/^root:x:0:/m)
    } finally {
      await docker('rmi', '-f', name, derived).catch(() => undefined)
    }
  })

  it.skipIf(!dockerHost)('pushes a layer Layerlab gzipped in blocks, which dockerd pulls and unpacks byte for byte', async () => {
    const store = await tempStore()
    await pullImage(store, busybox, anonymous)
    const base = await resolveImage(store, busybox)
    // Several 1 MiB blocks: the blob is several gzip members, which Go's reader must join.
    const big = randomBytes(3 * 1024 * 1024 + 12_345)
    const dir = await mkdtemp(join(tmpdir(), 'layerlab-gzip-layer-'))
    try {
      const file = join(dir, 'layer.tar.gz')
      const layer = await writeLayer([{ type: 'file', path: 'big.bin', mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, size: big.length, content: { from: 'bytes', bytes: big } }], file)
      expect((await store.putBlobFromStream(createReadStream(file))).digest).toBe(layer.digest)
      const name = `${registry}/test/blocks:1`
      const config = {
        ...base.config,
        rootfs: { type: 'layers', diff_ids: [...(base.config.rootfs?.diff_ids ?? []), layer.diffId] },
        config: { ...(base.config.config as object), Cmd: ['sha256sum', '/big.bin'] },
      }
      await putImage(store, { config, layers: [...base.manifest.layers, { digest: layer.digest, size: layer.size, mediaType: layer.mediaType }], tags: [name] })
      await pushImage(store, name, anonymous)
      try {
        await docker('pull', name)
        const sum = createHash('sha256').update(big).digest('hex')
        expect(await docker('run', '--rm', '--network=none', name)).toBe(`${sum}  /big.bin\n`)
      } finally {
        await docker('rmi', '-f', name).catch(() => undefined)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
