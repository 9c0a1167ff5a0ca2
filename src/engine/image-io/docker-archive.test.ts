import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { Store } from '../store'
import { listImages, resolveImage } from '../store'
import { saveDockerArchive } from './docker-archive-writer'
import { imageHistory } from './image-history'
import { loadImages } from './load-images'
import { membersOf, seedApp, tempDir, tempStore } from './test-fixtures.test-support'

const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

async function saveToBuffer(store: Store, refs: string[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  await saveDockerArchive(store, refs, sink)
  return Buffer.concat(chunks)
}

async function writeTemp(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(await tempDir(), name)
  await writeFile(file, bytes)
  return file
}

describe('saveDockerArchive', () => {
  it('writes the portable recipe: blobs by digest, uncompressed layers named by diffID, both manifests', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store, ['app:1', 'example.com/team/app:2'])
    const archive = await saveToBuffer(store, ['app:1', 'example.com/team/app:2'])
    const members = await membersOf(archive)
    const diffIds = seeded.imageConfig.rootfs.diff_ids

    const manifestJson = JSON.parse(members.get('manifest.json')!.data.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[]
    expect(manifestJson).toEqual([
      { Config: `blobs/sha256/${seeded.config.digest.slice(7)}`, RepoTags: ['app:1', 'example.com/team/app:2'], Layers: diffIds.map((d) => `blobs/sha256/${d.slice(7)}`) },
    ])
    for (const diffId of diffIds) expect(sha(members.get(`blobs/sha256/${diffId.slice(7)}`)!.data)).toBe(diffId)
    const config = members.get(manifestJson[0]!.Config)!.data
    expect(sha(config)).toBe(seeded.config.digest)

    const index = JSON.parse(members.get('index.json')!.data.toString()) as { manifests: { digest: string; annotations: Record<string, string> }[] }
    expect(index.manifests.map((m) => m.annotations)).toEqual([
      { 'io.containerd.image.name': 'docker.io/library/app:1', 'org.opencontainers.image.ref.name': '1' },
      { 'io.containerd.image.name': 'example.com/team/app:2', 'org.opencontainers.image.ref.name': '2' },
    ])
    const manifest = JSON.parse(members.get(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!.data.toString()) as {
      layers: { mediaType: string; digest: string; size: number }[]
    }
    expect(manifest.layers).toEqual(diffIds.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: members.get(`blobs/sha256/${d.slice(7)}`)!.data.length })))
    expect(JSON.parse(members.get('oci-layout')!.data.toString())).toEqual({ imageLayoutVersion: '1.0.0' })
    expect(JSON.parse(members.get('repositories')!.data.toString())).toEqual({
      app: { '1': diffIds[1]!.slice(7) },
      'example.com/team/app': { '2': diffIds[1]!.slice(7) },
    })
  })

  it('is reproducible, and writes a layer shared by two images once', async () => {
    const store = await tempStore()
    await seedApp(store, ['a:1'])
    const b = await seedApp(store, ['b:1'])
    const once = await saveToBuffer(store, ['a:1', 'b:1'])
    expect(await saveToBuffer(store, ['a:1', 'b:1'])).toEqual(once)
    const members = await membersOf(once)
    // Same config bytes: one image with two tags, as docker save groups them.
    expect(JSON.parse(members.get('manifest.json')!.data.toString())).toHaveLength(1)
    expect([...members].filter(([n, m]) => n.startsWith('blobs/sha256/') && m.type === 'file')).toHaveLength(b.layers.length + 2)
  })

  it('refuses an unknown image before writing anything', async () => {
    const store = await tempStore()
    await seedApp(store)
    const out = new PassThrough()
    let written = 0
    out.on('data', (c: Buffer) => (written += c.length))
    await expect(saveDockerArchive(store, ['app:1', 'nope:1'], out)).rejects.toThrow(/no such image: nope:1/)
    expect(written).toBe(0)
  })

  it('refuses a layer whose content no longer matches its diffID, measured or cached', async () => {
    for (const warm of [false, true]) {
      const store = await tempStore()
      const seeded = await seedApp(store)
      if (warm) await saveToBuffer(store, ['app:1'])
      const layer = seeded.layers[1]!
      // Same gzip size and name, different content: only the diffID can tell.
      const tampered = gzipSync(gunzipSync(await readFile(store.blobPath(layer.digest))).map((b, i) => (i === 600 ? b ^ 1 : b)))
      await writeFile(store.blobPath(layer.digest), tampered)
      await expect(saveToBuffer(store, ['app:1'])).rejects.toThrow(/diffID/)
    }
  })
})

describe('save → load round trip', () => {
  it('gives the same config bytes, diffIDs, tags and history in another store', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store, ['app:1', 'app:latest'])
    const file = await writeTemp('app.tar', await saveToBuffer(store, ['app:1', 'app']))

    const other = await tempStore()
    const result = await loadImages(other, file)
    expect(result.format).toBe('docker-archive')
    expect(result.images).toEqual([{ tags: ['app:1', 'app:latest'], configDigest: seeded.config.digest, manifestDigest: expect.any(String), layers: 2 }])
    const loaded = await resolveImage(other, 'app:1')
    expect(loaded.manifest.config.digest).toBe(seeded.config.digest)
    expect(loaded.config.rootfs?.diff_ids).toEqual(seeded.imageConfig.rootfs.diff_ids)
    expect(loaded.manifest.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip')).toBe(true)
    expect((await resolveImage(other, 'app')).manifest.config.digest).toBe(seeded.config.digest)
    expect(await imageHistory(other, 'app:1')).toEqual(await imageHistory(store, 'app:1'))

    // And back out again: the second save is byte-identical to the first.
    expect(await saveToBuffer(other, ['app:1', 'app'])).toEqual(await readFile(file))
  })

  it('loads a gzip-compressed archive, a stream, and an unpacked archive directory', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store)
    const archive = await saveToBuffer(store, ['app:1'])

    const gz = await loadImages(await tempStore(), await writeTemp('app.tar.gz', gzipSync(archive)))
    expect(gz.images[0]?.configDigest).toBe(seeded.config.digest)

    const piped = await loadImages(await tempStore(), (async function* () {
      for (let i = 0; i < archive.length; i += 1000) yield archive.subarray(i, i + 1000)
    })())
    expect(piped.images[0]?.tags).toEqual(['app:1'])

    const dir = await tempDir()
    for (const [name, member] of await membersOf(archive)) {
      if (member.type === 'dir') continue
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
      await writeFile(path.join(dir, name), member.data)
    }
    const fromDir = await loadImages(await tempStore(), dir)
    expect(fromDir.images[0]?.configDigest).toBe(seeded.config.digest)
  })

  it('keeps big members out of memory: they stream into the store as gzip layers', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store)
    const file = await writeTemp('app.tar', await saveToBuffer(store, ['app:1']))
    const other = await tempStore()
    // With nothing allowed in memory every member takes the streaming path.
    await loadImages(other, file, { smallMax: 0 })
    const loaded = await resolveImage(other, 'app:1')
    expect(loaded.config.rootfs?.diff_ids).toEqual(seeded.imageConfig.rootfs.diff_ids)
    expect((await listImages(other)).map((i) => i.familiar)).toEqual(['app:1'])
  })
})
