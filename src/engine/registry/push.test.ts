import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../store'
import { putImage, resolveImage, tagImage } from '../store'
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.test-support'
import { pullImage } from './pull'
import { pushImage, type PushProgress } from './push'
import { basicAuth, dockerConfigDir, seedImage, sha256, tempStore } from './registry-fixtures.test-support'

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

const user = { username: 'ci', password: 's3cret' }

/** A locally built image: three gzip layers and a config, tagged `tag`. */
async function builtImage(store: Store, tag: string) {
  const contents = ['first layer', 'second layer '.repeat(100), 'third']
  const layers = []
  for (const c of contents) layers.push({ ...(await store.putBlob(gzipSync(c))), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: contents.map((c) => sha256(c)) } }
  const image = await putImage(store, { config, layers, tags: [tag] })
  return { ...image, layers }
}

describe('pushImage', () => {
  it('uploads what the registry lacks, skips what it has, then puts the manifest under the tag', async () => {
    const fake = await registry({ auth: 'bearer', user })
    const store = await tempStore()
    const target = `${fake.host}/test/copy:1`
    const image = await builtImage(store, target)
    const [present, ...missing] = image.layers
    fake.addBlob(gzipSync('first layer'))
    const events: PushProgress[] = []
    const result = await pushImage(store, target, { credentials: user, onProgress: (e) => events.push(e) })

    expect(result).toMatchObject({ reference: target, digest: image.manifest.digest, skipped: [present?.digest] })
    expect(new Set(result.uploaded)).toEqual(new Set([...missing.map((l) => l.digest), image.config.digest]))
    expect(fake.tokenScopes).toContain('repository:test/copy:pull,push')
    expect(events.find((e) => e.layer === present?.digest)?.status).toBe('exists')
    expect(events.filter((e) => e.status === 'done').map((e) => e.layer)).toHaveLength(3)
    // No upload was started for the blob the registry had.
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'))
    expect(posts).toHaveLength(3)
    const stored = fake.manifests.get('test/copy')?.get('1')
    expect(stored?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
    expect(stored?.bytes.equals(await store.readBlob(image.manifest.digest))).toBe(true)
    for (const layer of image.layers) expect(fake.blobs.get(layer.digest)?.equals(await store.readBlob(layer.digest))).toBe(true)

    // And what went up comes back down identical.
    const other = await tempStore()
    const pulled = await pullImage(other, target, { credentials: user })
    expect(pulled.manifest.digest).toBe(image.manifest.digest)
  })

  it('uploads in PATCH chunks when asked', async () => {
    const fake = await registry()
    const store = await tempStore()
    const image = await builtImage(store, `${fake.host}/test/chunked:1`)
    await pushImage(store, `${fake.host}/test/chunked:1`, { credentials: null, chunkSize: 100 })
    const patches = fake.requests.filter((r) => r.method === 'PATCH')
    const sizes = [...image.layers, image.config].reduce((n, b) => n + Math.ceil(b.size / 100), 0)
    expect(patches).toHaveLength(sizes)
    for (const blob of [...image.layers, image.config]) expect(fake.blobs.get(blob.digest)?.equals(await store.readBlob(blob.digest))).toBe(true)
  })

  it('pushes a local image under another name, mounting blobs from its source repository on the same registry', async () => {
    const fake = await registry({ auth: 'bearer', user })
    seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    const source = `${fake.host}/library/app:1`
    const pulled = await pullImage(store, source, { credentials: null })
    await expect(pushImage(store, `${fake.host}/other/app:2`, { credentials: null, source })).rejects.toThrow(
      new RegExp(`^push access denied for ${fake.host}/other/app: `),
    )
    const result = await pushImage(store, `${fake.host}/other/app:2`, { credentials: user, source })
    expect(fake.tokenScopes).toContain('repository:library/app:pull')
    expect(result.mounted).toHaveLength(3)
    expect(result.uploaded).toEqual([])
    expect(fake.manifests.get('other/app')?.get('2')?.bytes.equals(await store.readBlob(pulled.manifest.digest))).toBe(true)
    // Without mounting, the same push uploads.
    const third = await pushImage(store, `${fake.host}/third/app:2`, { credentials: user, source, mount: false })
    expect(third.uploaded).toHaveLength(3)
  })

  it('authenticates with basic credentials from the docker config', async () => {
    const fake = await registry({ auth: 'basic', user })
    const store = await tempStore()
    const target = `${fake.host}/team/app:1`
    await builtImage(store, target)
    const configDir = await dockerConfigDir({ auths: { [`http://${fake.host}`]: { auth: basicAuth(user.username, user.password) } } })
    await pushImage(store, target, { dockerConfig: { configDir } })
    expect(fake.manifests.get('team/app')?.has('1')).toBe(true)
    await expect(pushImage(store, target, { credentials: null })).rejects.toThrow(`push access denied for ${fake.host}/team/app`)
    const wrong = await dockerConfigDir({ auths: { [fake.host]: { auth: basicAuth(user.username, 'nope') } } })
    await expect(pushImage(store, target, { dockerConfig: { configDir: wrong } })).rejects.toThrow(/refused the credentials of ci/)
  })

  it('refuses a digest reference and an image that is not in the store', async () => {
    const store = await tempStore()
    await expect(pushImage(store, `127.0.0.1:5000/x@${sha256('x')}`)).rejects.toThrow(/cannot push to a digest reference/)
    await expect(pushImage(store, '127.0.0.1:5000/x:1')).rejects.toThrow(/no such image: 127\.0\.0\.1:5000\/x:1/)
  })

  it('pushes an index after its children, and refuses one whose platforms were not all pulled', async () => {
    const fake = await registry()
    const store = await tempStore()
    const image = await builtImage(store, `${fake.host}/multi/app:one`)
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...image.manifest, platform: { os: 'linux', architecture: 'amd64' } }] }
    const blob = await store.putBlob(JSON.stringify(index))
    await tagImage(store, { mediaType: 'application/vnd.oci.image.index.v1+json', ...blob }, [`${fake.host}/multi/app:all`])
    const result = await pushImage(store, `${fake.host}/multi/app:all`, { credentials: null })
    expect(result).toMatchObject({ digest: blob.digest, mediaType: 'application/vnd.oci.image.index.v1+json' })
    const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/')).map((r) => r.path)
    expect(puts).toEqual([`/v2/multi/app/manifests/${image.manifest.digest}`, '/v2/multi/app/manifests/all'])
    expect((await resolveImage(store, `${fake.host}/multi/app:all`)).manifestDescriptor.digest).toBe(image.manifest.digest)

    const partial = { ...index, manifests: [...index.manifests, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('absent'), size: 10, platform: { os: 'linux', architecture: 'arm64' } }] }
    const partialBlob = await store.putBlob(JSON.stringify(partial))
    await tagImage(store, { mediaType: 'application/vnd.oci.image.index.v1+json', ...partialBlob }, [`${fake.host}/multi/app:partial`])
    await expect(pushImage(store, `${fake.host}/multi/app:partial`, { credentials: null })).rejects.toThrow(/\(linux\/arm64\), which is not in the store/)
  })
})
