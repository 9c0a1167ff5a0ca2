import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, symlink, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { Store } from '../store'
import { listImages, resolveImage } from '../store'
import { saveDockerArchive } from './docker-archive-writer'
import { loadImages } from './load-images'
import { exportOciLayout } from './oci-export'
import type { RawMember } from './test-fixtures.test-support'
import { membersOf, seedApp, tarOf, tempDir, tempStore } from './test-fixtures.test-support'

const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const hex = (digest: string): string => digest.slice(7)

/** A valid archive of app:1 as editable members. */
async function savedMembers(): Promise<{ members: RawMember[]; manifest: { Config: string; RepoTags: string[]; Layers: string[] }[]; store: Store }> {
  const store = await tempStore()
  await seedApp(store)
  const chunks: Buffer[] = []
  await saveDockerArchive(store, ['app:1'], new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }))
  const members = [...(await membersOf(Buffer.concat(chunks)))].map(([name, m]): RawMember => ({ name, type: m.type as RawMember['type'], data: m.data }))
  const manifest = JSON.parse(String(members.find((m) => m.name === 'manifest.json')?.data)) as { Config: string; RepoTags: string[]; Layers: string[] }[]
  return { members, manifest, store }
}

function replace(members: RawMember[], name: string, member: RawMember | undefined): RawMember[] {
  const out = members.filter((m) => m.name !== name)
  return member ? [...out, member] : out
}

function withManifest(members: RawMember[], manifest: unknown): RawMember[] {
  return replace(members, 'manifest.json', { name: 'manifest.json', data: JSON.stringify(manifest) })
}

/** Loads into a fresh store; the load must fail with `pattern` and leave no image behind. */
async function expectRefused(members: RawMember[], pattern: RegExp): Promise<void> {
  const file = path.join(await tempDir(), 'archive.tar')
  await writeFile(file, await tarOf(members))
  const store = await tempStore()
  await expect(loadImages(store, file)).rejects.toThrow(pattern)
  expect(await listImages(store)).toEqual([])
}

describe('loadImages refuses damaged and hostile archives', () => {
  it('a config whose diffID does not match its layer', async () => {
    const { members, manifest } = await savedMembers()
    const config = JSON.parse(String(members.find((m) => m.name === manifest[0]!.Config)?.data)) as { rootfs: { diff_ids: string[] } }
    config.rootfs.diff_ids[1] = `sha256:${'e'.repeat(64)}`
    const bytes = Buffer.from(JSON.stringify(config))
    const name = `blobs/sha256/${hex(sha(bytes))}`
    const edited = withManifest([...members, { name, data: bytes }], [{ ...manifest[0], Config: name }])
    await expectRefused(edited, /hashes to sha256:[0-9a-f]{64}, but the image config lists diffID sha256:e{64}/)
  })

  it('a blob whose bytes do not match the digest it is named by', async () => {
    const { members, manifest } = await savedMembers()
    const layerName = manifest[0]!.Layers[1]!
    const layer = Buffer.from(members.find((m) => m.name === layerName)!.data!)
    layer[600] = (layer[600] ?? 0) ^ 1
    await expectRefused(replace(members, layerName, { name: layerName, data: layer }), /hashes to .*altered or damaged/)
  })

  it('a manifest whose layer count differs from the config diff_ids', async () => {
    const { members, manifest } = await savedMembers()
    await expectRefused(withManifest(members, [{ ...manifest[0], Layers: manifest[0]!.Layers.slice(1) }]), /lists 1 layers but the config's rootfs.diff_ids has 2/)
  })

  it('a member named ../x, and writes nothing outside', async () => {
    const { members } = await savedMembers()
    const escape = `layerlab-escape-${randomBytes(4).toString('hex')}`
    await expectRefused([{ name: `../${escape}`, data: 'pwned' }, ...members], /climbs out of the archive/)
    await expectRefused([...members, { name: `/tmp/${escape}`, data: 'pwned' }], /absolute path/)
    for (const dir of [path.resolve('..'), path.resolve('.'), path.dirname(await tempDir())]) expect(existsSync(path.join(dir, escape))).toBe(false)
  })

  it('symlink and hard-link members that point outside the archive', async () => {
    const { members, manifest } = await savedMembers()
    const config = manifest[0]!.Config
    await expectRefused(replace(members, config, { name: config, type: 'symlink', linkname: '/etc/passwd' }), /links to the absolute path/)
    await expectRefused(replace(members, 'manifest.json', { name: 'manifest.json', type: 'symlink', linkname: '../../../etc/passwd' }), /outside the archive/)
    await expectRefused(replace(members, config, { name: config, type: 'hardlink', linkname: '../etc/shadow' }), /outside the archive/)
  })

  it('paths in manifest.json that leave the archive', async () => {
    const { members, manifest } = await savedMembers()
    await expectRefused(withManifest(members, [{ ...manifest[0], Config: '../../../etc/passwd' }]), /climbs out of the archive/)
    await expectRefused(withManifest(members, [{ ...manifest[0], Layers: ['/etc/passwd', manifest[0]!.Layers[1]] }]), /absolute path/)
  })

  it('tags docker load would refuse, before reading any layer', async () => {
    const { members, manifest } = await savedMembers()
    await expectRefused(withManifest(members, [{ ...manifest[0], RepoTags: ['app'] }]), /invalid tag "app": expected name:tag/)
    await expectRefused(withManifest(members, [{ ...manifest[0], RepoTags: ['App:1'] }]), /must be lowercase/)
  })

  it('device members, non-tar input, and zstd layers', async () => {
    const { members, manifest } = await savedMembers()
    await expectRefused([...members, { name: 'dev/null', type: 'char' }], /char device or fifo/)
    const junk = path.join(await tempDir(), 'junk.tar')
    await writeFile(junk, randomBytes(4096))
    await expect(loadImages(await tempStore(), junk)).rejects.toThrow(/not a valid tar archive/)
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(2000)])
    const layerName = manifest[0]!.Layers[0]!
    const edited = withManifest(replace(members, layerName, undefined).concat({ name: 'zstd-layer', data: zstd }), [{ ...manifest[0], Layers: ['zstd-layer', manifest[0]!.Layers[1]] }])
    await expectRefused(edited, /zstd-compressed layers are not supported/)
  })
})

describe('loadImages on a cut-off archive', () => {
  it('fails with the reason and tags nothing, whether members wait in memory or stream to the store', async () => {
    const { members, manifest } = await savedMembers()
    const layerName = manifest[0]!.Layers[0]!
    const archive = await tarOf([members.find((m) => m.name === layerName)!, ...members.filter((m) => m.name !== layerName)])
    const cut = archive.subarray(0, 512 + 20_000)
    for (const smallMax of [0, 1 << 20]) {
      const file = path.join(await tempDir(), 'cut.tar')
      await writeFile(file, cut)
      const store = await tempStore()
      await expect(loadImages(store, file, { smallMax })).rejects.toThrow(/truncated/)
      expect(await listImages(store)).toEqual([])
    }
  })
})

describe('gzip layers in a docker-archive', () => {
  it('loads them as they are, and refuses a damaged one by name (streamed or in memory)', async () => {
    const { members, manifest } = await savedMembers()
    const layerName = manifest[0]!.Layers[1]!
    const gz = gzipSync(members.find((m) => m.name === layerName)!.data!)
    // Not under blobs/sha256/, where a name must be the digest of the bytes as they are.
    const gzName = 'layers/top.tar.gz'
    const edited = (data: Buffer): RawMember[] =>
      withManifest(replace(members, layerName, { name: gzName, data }), [{ ...manifest[0], Layers: [manifest[0]!.Layers[0], gzName] }])
    const ok = edited(gz)
    for (const smallMax of [0, 1 << 20]) {
      const file = path.join(await tempDir(), 'gz-layer.tar')
      await writeFile(file, await tarOf(ok))
      expect((await loadImages(await tempStore(), file, { smallMax })).images).toHaveLength(1)

      const damaged = Buffer.from(gz)
      damaged.fill(7, 40, 80)
      await writeFile(file, await tarOf(edited(damaged)))
      const store = await tempStore()
      await expect(loadImages(store, file, { smallMax })).rejects.toThrow(/layer 2 \(layers\/top\.tar\.gz\) cannot be a layer: its gzip content is not a tar archive/)
      expect(await listImages(store)).toEqual([])
    }
  })
})

describe('loadImages reads what Docker writes', () => {
  it("Docker 20.10's legacy layout, where a repeated layer is a symlink to the first copy", async () => {
    const { members, manifest } = await savedMembers()
    const data = (name: string): Buffer => Buffer.from(members.find((m) => m.name === name)!.data!)
    const [base, top] = manifest[0]!.Layers as [string, string]
    const legacy: RawMember[] = [
      { name: 'aaaa/', type: 'dir' },
      { name: 'aaaa/VERSION', data: '1.0' },
      { name: 'aaaa/layer.tar', data: data(base) },
      { name: 'bbbb/', type: 'dir' },
      { name: 'bbbb/layer.tar', data: data(top) },
      { name: 'cccc/', type: 'dir' },
      { name: 'cccc/layer.tar', type: 'symlink', linkname: '../aaaa/layer.tar' },
      { name: `${hex(sha(data(manifest[0]!.Config)))}.json`, data: data(manifest[0]!.Config) },
      {
        name: 'manifest.json',
        data: JSON.stringify([{ Config: `${hex(sha(data(manifest[0]!.Config)))}.json`, RepoTags: ['legacy:1'], Layers: ['cccc/layer.tar', 'bbbb/layer.tar'] }]),
      },
      { name: 'repositories', data: '{"legacy":{"1":"bbbb"}}' },
    ]
    const file = path.join(await tempDir(), 'legacy.tar')
    await writeFile(file, await tarOf(legacy))
    const store = await tempStore()
    const result = await loadImages(store, file)
    expect(result.images[0]?.tags).toEqual(['legacy:1'])
    expect((await resolveImage(store, 'legacy:1')).manifest.layers).toHaveLength(2)
  })
})

describe('OCI layout input', () => {
  it('loads an exported layout directory and refuses one whose blob is a symlink out of it', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store)
    const dir = path.join(await tempDir(), 'layout')
    await exportOciLayout(store, 'app:1', dir)
    const loaded = await loadImages(await tempStore(), dir)
    expect(loaded).toMatchObject({ format: 'oci-layout', images: [{ tags: ['app:1'], configDigest: seeded.config.digest }] })

    const outside = path.join(await tempDir(), 'secret')
    await writeFile(outside, await readFile(store.blobPath(seeded.config.digest)))
    const hostile = path.join(await tempDir(), 'hostile')
    await exportOciLayout(store, 'app:1', hostile)
    const target = path.join(hostile, 'blobs', 'sha256', hex(seeded.config.digest))
    await unlink(target)
    await symlink(outside, target)
    const other = await tempStore()
    await expect(loadImages(other, hostile)).rejects.toThrow(/outside the directory/)
    expect(await listImages(other)).toEqual([])
  })
})
