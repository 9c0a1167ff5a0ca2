import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256Digest } from './digest'
import { listImages, putImage, resolveImage, tagImage, untag } from './images'
import { readIndex } from './oci-layout'
import type { Descriptor, ImageConfig } from './oci-types'
import { MediaType } from './oci-types'
import type { Store } from './store'
import { openStore } from './store'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-images-'))
  store = await openStore(dir)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function config(created: string, diffIds: string[]): ImageConfig {
  return { created, architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }
}

async function layer(text: string): Promise<{ digest: string; size: number }> {
  return store.putBlob(text)
}

describe('images', () => {
  it('writes config and manifest with OCI media types and tags them in index.json', async () => {
    const l1 = await layer('layer one')
    const l2 = await layer('layer two!')
    const result = await putImage(store, { config: config('2026-01-02T00:00:00Z', [l1.digest, l2.digest]), layers: [l1, l2], tags: ['app', 'localhost:5000/x/y:1'] })

    expect(result.tags).toEqual(['docker.io/library/app:latest', 'localhost:5000/x/y:1'])
    const manifest = JSON.parse(await readFile(store.blobPath(result.manifest.digest), 'utf8')) as Record<string, unknown>
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: { mediaType: MediaType.imageConfig, digest: result.config.digest, size: result.config.size },
      layers: [
        { mediaType: MediaType.layerTarGzip, digest: l1.digest, size: l1.size },
        { mediaType: MediaType.layerTarGzip, digest: l2.digest, size: l2.size },
      ],
    })
    const index = JSON.parse(await readFile(store.paths.index, 'utf8')) as { manifests: Descriptor[] }
    expect(index.manifests).toEqual([
      {
        mediaType: MediaType.imageManifest,
        digest: result.manifest.digest,
        size: result.manifest.size,
        annotations: {
          'org.opencontainers.image.ref.name': 'latest',
          'io.containerd.image.name': 'docker.io/library/app:latest',
          'io.layerlab.image.name': 'docker.io/library/app:latest',
        },
      },
      expect.objectContaining({ annotations: expect.objectContaining({ 'org.opencontainers.image.ref.name': '1', 'io.layerlab.image.name': 'localhost:5000/x/y:1' }) }),
    ])
  })

  it('resolves by tag in any spelling, by name@digest and by bare digest', async () => {
    const l1 = await layer('l1')
    const { manifest } = await putImage(store, { config: config('2026-01-01T00:00:00Z', [l1.digest]), layers: [{ ...l1, mediaType: MediaType.layerTar }], tags: ['app:1.0'] })
    for (const ref of ['app:1.0', 'docker.io/library/app:1.0', 'library/app:1.0', 'index.docker.io/library/app:1.0']) {
      const image = await resolveImage(store, ref)
      expect(image.reference).toBe('docker.io/library/app:1.0')
      expect(image.descriptor.digest).toBe(manifest.digest)
      expect(image.manifest.layers[0]?.mediaType).toBe(MediaType.layerTar)
      expect(image.config.created).toBe('2026-01-01T00:00:00Z')
    }
    for (const ref of [manifest.digest, manifest.digest.slice(7), `app@${manifest.digest}`, `other:tag@${manifest.digest}`]) {
      expect((await resolveImage(store, ref)).descriptor.digest).toBe(manifest.digest)
    }
    await expect(resolveImage(store, 'app')).rejects.toMatchObject({ code: 'not-found', message: 'no such image: app:latest' })
    await expect(resolveImage(store, `app@${sha256Digest('nothing')}`)).rejects.toMatchObject({ code: 'not-found' })
    await expect(resolveImage(store, 'Bad Name')).rejects.toMatchObject({ code: 'invalid-reference' })
    // A config is JSON with a digest, but not an image.
    const configDigest = (await resolveImage(store, 'app:1.0')).manifest.config.digest
    await expect(resolveImage(store, configDigest)).rejects.toMatchObject({ code: 'not-found' })
  })

  it('lists tags with digest, size (config + layers) and creation time, newest first', async () => {
    const l1 = await layer('a'.repeat(100))
    const l2 = await layer('b'.repeat(250))
    const older = await putImage(store, { config: config('2025-05-01T00:00:00Z', [l1.digest]), layers: [l1], tags: ['old'] })
    const newer = await putImage(store, { config: config('2026-05-01T00:00:00Z', [l1.digest, l2.digest]), layers: [l1, l2], tags: ['new', 'new:2'] })
    const images = await listImages(store)
    expect(images.map((i) => i.familiar)).toEqual(['new:2', 'new:latest', 'old:latest'])
    expect(images[0]).toEqual({
      reference: 'docker.io/library/new:2',
      familiar: 'new:2',
      digest: newer.manifest.digest,
      configDigest: newer.config.digest,
      size: newer.config.size + 350,
      created: '2026-05-01T00:00:00Z',
      layers: 2,
    })
    expect(images[2]?.size).toBe(older.config.size + 100)
  })

  it('moves a tag rather than duplicating it, and untags', async () => {
    const l1 = await layer('one')
    const l2 = await layer('two')
    const first = await putImage(store, { config: config('2026-01-01T00:00:00Z', [l1.digest]), layers: [l1], tags: ['app', 'keep'] })
    const second = await putImage(store, { config: config('2026-01-02T00:00:00Z', [l2.digest]), layers: [l2], tags: ['app'] })
    let index = await readIndex(store)
    expect(index.manifests.map((d) => [d.annotations?.['io.layerlab.image.name'], d.digest])).toEqual([
      ['docker.io/library/app:latest', second.manifest.digest],
      ['docker.io/library/keep:latest', first.manifest.digest],
    ])
    expect(await untag(store, 'app')).toBe(true)
    expect(await untag(store, 'app')).toBe(false)
    index = await readIndex(store)
    expect(index.manifests).toHaveLength(1)
    // The blobs stay until prune.
    expect(await store.hasBlob(second.manifest.digest)).toBe(true)
    await tagImage(store, second.manifest, ['again:v1'])
    expect((await resolveImage(store, 'again:v1')).config.created).toBe('2026-01-02T00:00:00Z')
  })

  it('refuses images whose layers are missing or misdescribed, writing nothing', async () => {
    const l1 = await layer('present')
    const before = await readFile(store.paths.index, 'utf8')
    await expect(putImage(store, { config: config('x', [sha256Digest('x')]), layers: [{ digest: sha256Digest('absent'), size: 6 }], tags: ['a'] })).rejects.toMatchObject({ code: 'not-found' })
    await expect(putImage(store, { config: config('x', [l1.digest]), layers: [{ ...l1, size: l1.size + 1 }], tags: ['a'] })).rejects.toMatchObject({ code: 'size-mismatch' })
    await expect(putImage(store, { config: config('x', []), layers: [l1], tags: ['a'] })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(putImage(store, { config: config('x', [l1.digest]), layers: [l1], tags: ['BAD'] })).rejects.toMatchObject({ code: 'invalid-reference' })
    await expect(putImage(store, { config: config('x', [l1.digest]), layers: [{ digest: 'sha256:../../x', size: 1 }] })).rejects.toMatchObject({ code: 'invalid-digest' })
    await expect(putImage(store, { config: config('x', [l1.digest]), layers: [l1], tags: [`a@${l1.digest}`] })).rejects.toMatchObject({ code: 'invalid-reference' })
    expect(await readFile(store.paths.index, 'utf8')).toBe(before)
    expect((await store.scanBlobs()).blobs).toHaveLength(1)
  })

  it('resolves a multi-platform index to the requested platform', async () => {
    const amd = await layer('amd64 layer')
    const arm = await layer('arm64 layer')
    const a = await putImage(store, { config: { ...config('2026-01-01T00:00:00Z', [amd.digest]), architecture: 'amd64' }, layers: [amd] })
    const b = await putImage(store, { config: { ...config('2026-01-01T00:00:00Z', [arm.digest]), architecture: 'arm64' }, layers: [arm] })
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.imageIndex,
      manifests: [
        { ...a.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { ...b.manifest, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }
    const blob = await store.putBlob(JSON.stringify(index))
    await tagImage(store, { mediaType: MediaType.imageIndex, ...blob }, ['multi'])
    const arm64 = await resolveImage(store, 'multi', { platform: { architecture: 'arm64' } })
    expect(arm64.descriptor.digest).toBe(blob.digest)
    expect(arm64.manifestDescriptor.digest).toBe(b.manifest.digest)
    expect(arm64.config.architecture).toBe('arm64')
    await expect(resolveImage(store, 'multi', { platform: { architecture: 's390x' } })).rejects.toMatchObject({ code: 'not-found' })
  })
})
