import { readdir } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readIndex, resolveImage } from '../store'
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.test-support'
import { pullImage, type PullProgress } from './pull'
import { RegistryError } from './registry-errors'
import { seedImage, seedIndex, sha256, tempStore } from './registry-fixtures.test-support'

const running: FakeRegistry[] = []
async function registry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const fake = new FakeRegistry(options)
  running.push(fake)
  await fake.start()
  return fake
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

/** A loopback port nothing listens on (not port 1: fetch refuses that one outright). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

// Tests must not pick up the developer's own ~/.docker credentials.
const anonymous = { credentials: null } as const

describe('pullImage', () => {
  it('follows the anonymous bearer-token flow, streams the blobs in, and tags the manifest as fetched', async () => {
    const fake = await registry({ auth: 'bearer' })
    const image = seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    const events: PullProgress[] = []
    const result = await pullImage(store, `${fake.host}/library/app:1`, { ...anonymous, onProgress: (e) => events.push(e) })

    expect(result).toMatchObject({ reference: `${fake.host}/library/app:1`, digest: image.manifest.digest, tags: [`${fake.host}/library/app:1`], warnings: [] })
    expect(fake.tokenScopes).toContain('repository:library/app:pull')
    const resolved = await resolveImage(store, `${fake.host}/library/app:1`)
    expect(resolved.manifestDescriptor.digest).toBe(image.manifest.digest)
    expect(resolved.config.rootfs?.diff_ids).toEqual(image.diffIds)
    // The exact bytes the registry served, not a re-serialization.
    expect((await store.readBlob(image.manifest.digest)).equals(fake.manifests.get('library/app')?.get('1')?.bytes ?? Buffer.alloc(0))).toBe(true)
    for (const layer of image.layers) {
      expect(await store.hasBlob(layer.digest)).toBe(true)
      expect(events.filter((e) => e.layer === layer.digest).at(-1)).toEqual({ layer: layer.digest, current: layer.size, total: layer.size, status: 'done' })
    }
    expect(result.bytesFetched).toBe(image.config.size + image.layers.reduce((n, l) => n + l.size, 0))
  })

  it('fetches nothing already in the store', async () => {
    const fake = await registry({ auth: 'bearer' })
    seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    await pullImage(store, `${fake.host}/library/app:1`, anonymous)
    fake.requests.length = 0
    const events: PullProgress[] = []
    const again = await pullImage(store, `${fake.host}/library/app:1`, { ...anonymous, onProgress: (e) => events.push(e) })
    expect(again.bytesFetched).toBe(0)
    expect(events.map((e) => e.status)).toEqual(['exists', 'exists'])
    expect(fake.requests.filter((r) => r.path.includes('/blobs/'))).toEqual([])
  })

  it('keeps Docker v2 manifests and their media types as they are', async () => {
    const fake = await registry()
    const image = seedImage(fake, 'x/docker', 'v2', { docker: true })
    const store = await tempStore()
    const result = await pullImage(store, `${fake.host}/x/docker:v2`, anonymous)
    expect(result.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json')
    const entry = (await readIndex(store)).manifests.find((d) => d.digest === image.manifest.digest)
    expect(entry?.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json')
  })

  it('picks the host platform from an index, and another one when asked', async () => {
    const fake = await registry({ auth: 'bearer' })
    const amd64 = seedImage(fake, 'library/multi', undefined, { architecture: 'amd64', layers: ['amd64'] })
    const arm64 = seedImage(fake, 'library/multi', undefined, { architecture: 'arm64', variant: 'v8', layers: ['arm64'] })
    const armv7 = seedImage(fake, 'library/multi', undefined, { architecture: 'arm', variant: 'v7', layers: ['armv7'] })
    const index = seedIndex(fake, 'library/multi', 'latest', [
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { image: armv7, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ])
    const store = await tempStore()
    const ref = `${fake.host}/library/multi`
    const pulled = await pullImage(store, ref, { ...anonymous, platform: 'linux/amd64' })
    expect(pulled).toMatchObject({ digest: index.digest, manifest: { digest: amd64.manifest.digest, platform: { architecture: 'amd64' } } })
    expect((await resolveImage(store, ref)).config.architecture).toBe('amd64')
    // Only the chosen platform's blobs came over.
    expect(await store.hasBlob(arm64.layers[0]?.digest ?? '')).toBe(false)

    const other = await tempStore()
    expect((await pullImage(other, ref, { ...anonymous, platform: 'linux/aarch64' })).manifest.digest).toBe(arm64.manifest.digest)
    const armv6 = await tempStore()
    expect((await pullImage(armv6, ref, { ...anonymous, platform: { os: 'linux', architecture: 'arm', variant: 'v8' } })).manifest.digest).toBe(armv7.manifest.digest)
    await expect(pullImage(await tempStore(), ref, { ...anonymous, platform: 'linux/s390x' })).rejects.toThrow(
      /no matching manifest for linux\/s390x in the manifest list entries \(it has linux\/amd64, linux\/arm64, linux\/arm\/v7\)/,
    )
  })

  it('refuses a blob whose digest lies: nothing stored for it, nothing tagged, no temp files', async () => {
    const fake = await registry({ auth: 'bearer' })
    const image = seedImage(fake, 'library/app', '1')
    const layer = image.layers[1]?.digest ?? ''
    const real = fake.blobs.get(layer) ?? Buffer.alloc(0)
    const lie = Buffer.from(real)
    lie[lie.length - 1] = (lie[lie.length - 1] ?? 0) ^ 0xff
    fake.lies.set(layer, lie)
    const store = await tempStore()
    const error = await pullImage(store, `${fake.host}/library/app:1`, anonymous).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryError)
    expect(error).toMatchObject({ code: 'digest-mismatch', message: expect.stringContaining(`blob ${layer}`) })
    expect(await store.hasBlob(layer)).toBe(false)
    expect(await store.hasBlob(image.manifest.digest)).toBe(false)
    expect((await readIndex(store)).manifests).toEqual([])
    expect(await readdir(store.paths.tmp)).toEqual([])

    // Longer than the manifest says: stopped as soon as it overruns.
    fake.lies.set(layer, Buffer.concat([real, Buffer.alloc(10)]))
    await expect(pullImage(store, `${fake.host}/library/app:1`, anonymous)).rejects.toMatchObject({ code: 'digest-mismatch' })
    expect(await store.hasBlob(layer)).toBe(false)
  })

  it('refuses a manifest that is not the one its digest names', async () => {
    const fake = await registry()
    const image = seedImage(fake, 'library/app', '1')
    const forged = sha256('something else')
    fake.manifests.get('library/app')?.set(forged, fake.manifests.get('library/app')?.get('1') ?? { bytes: Buffer.alloc(0), mediaType: '' })
    const store = await tempStore()
    await expect(pullImage(store, `${fake.host}/library/app@${forged}`, anonymous)).rejects.toMatchObject({ code: 'digest-mismatch' })
    expect(await store.hasBlob(image.config.digest)).toBe(false)
    // By its true digest it pulls, and stays untagged.
    const byDigest = await pullImage(store, `${fake.host}/library/app@${image.manifest.digest}`, anonymous)
    expect(byDigest.tags).toEqual([])
    expect((await resolveImage(store, `${fake.host}/library/app@${image.manifest.digest}`)).manifest.layers).toHaveLength(2)
  })

  it('follows blob redirects to a storage host without sending it the registry token', async () => {
    const fake = await registry({ auth: 'bearer', redirectBlobs: true })
    const image = seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    await pullImage(store, `${fake.host}/library/app:1`, anonymous)
    const storage = fake.requests.filter((r) => r.host === 'storage')
    expect(storage).toHaveLength(image.layers.length + 1)
    expect(storage.every((r) => r.authorization === undefined)).toBe(true)
    const blobGets = fake.requests.filter((r) => r.host === 'registry' && r.path.includes('/blobs/'))
    expect(blobGets.length).toBeGreaterThan(0)
    expect(blobGets.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true)
  })

  it("says what docker pull says when access is denied, the tag is unknown, or there is no registry", async () => {
    const fake = await registry({ auth: 'bearer' })
    seedImage(fake, 'private', '1')
    seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    await expect(pullImage(store, `${fake.host}/private:1`, anonymous)).rejects.toThrow(
      new RegExp(`^pull access denied for ${fake.host}/private, repository does not exist or may require 'docker login': unauthorized: authentication required$`),
    )
    await expect(pullImage(store, `${fake.host}/library/app:nope`, anonymous)).rejects.toThrow(`manifest unknown: ${fake.host}/library/app:nope not found`)
    const closed = await closedPort()
    await expect(pullImage(store, `127.0.0.1:${closed}/library/app`, anonymous)).rejects.toThrow(
      new RegExp(`^cannot reach registry 127\\.0\\.0\\.1:${closed} \\(http://127\\.0\\.0\\.1:${closed}\\): .*ECONNREFUSED`),
    )
  })

  it('stores zstd layers with a warning that the engine cannot read them', async () => {
    const fake = await registry()
    const image = seedImage(fake, 'library/z', '1', { zstd: true, layers: ['one'] })
    const store = await tempStore()
    const result = await pullImage(store, `${fake.host}/library/z:1`, anonymous)
    expect(result.warnings).toEqual([expect.stringMatching(/zstd-compressed: it is stored, but Layerlab's engine cannot read zstd layers/)])
    expect(await store.hasBlob(image.layers[0]?.digest ?? '')).toBe(true)
  })
})
