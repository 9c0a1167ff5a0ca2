import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveImage } from '../store'
import { loadImages } from './load-images'
import { exportOciLayout } from './oci-export'
import { seedApp, tempDir, tempStore } from './test-fixtures.test-support'

const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

describe('exportOciLayout', () => {
  it('writes a layout whose blobs are the store blobs, hard-linked on the same filesystem', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store, ['example.com/app:1.0'])
    const dir = path.join(await tempDir(), 'out')
    const result = await exportOciLayout(store, 'example.com/app:1.0', dir)
    expect(result).toMatchObject({ refName: '1.0', linked: 4, copied: 0 })

    expect(JSON.parse(await readFile(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' })
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: unknown[] }
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: seeded.manifest.digest,
        size: seeded.manifest.size,
        platform: { os: 'linux', architecture: 'amd64' },
        annotations: { 'org.opencontainers.image.ref.name': '1.0', 'io.containerd.image.name': 'example.com/app:1.0' },
      },
    ])
    const names = await readdir(path.join(dir, 'blobs', 'sha256'))
    expect(names.sort()).toEqual([seeded.manifest.digest, seeded.config.digest, ...seeded.layers.map((l) => l.digest)].map((d) => d.slice(7)).sort())
    for (const name of names) {
      const file = path.join(dir, 'blobs', 'sha256', name)
      expect(sha(await readFile(file))).toBe(`sha256:${name}`)
      expect((await stat(file)).ino).toBe((await stat(store.blobPath(`sha256:${name}`))).ino)
    }
  })

  it('adds to an existing layout, replaces a name given twice, and refuses a foreign directory', async () => {
    const store = await tempStore()
    await seedApp(store, ['app:1'])
    const dir = path.join(await tempDir(), 'out')
    await exportOciLayout(store, 'app:1', dir)
    await exportOciLayout(store, 'app:1', dir, { refName: 'app:1' })
    await exportOciLayout(store, 'app:1', dir, { refName: 'app:1' })
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] }
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name'])).toEqual(['1', 'app:1'])

    const foreign = await tempDir()
    await writeFile(path.join(foreign, 'notes.txt'), 'mine')
    await expect(exportOciLayout(store, 'app:1', foreign)).rejects.toThrow(/not empty and is not an OCI image layout/)
    await expect(exportOciLayout(store, 'nope', path.join(foreign, 'x'))).rejects.toThrow(/no such image: nope/)
  })

  it('round-trips through an OCI layout tar made by GNU tar (./-prefixed names), bare tag unnamed', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store)
    const dir = path.join(await tempDir(), 'layout')
    await exportOciLayout(store, 'app:1', dir)
    const archive = path.join(await tempDir(), 'layout.tar')
    execFileSync('tar', ['-C', dir, '-cf', archive, '.'])
    const other = await tempStore()
    expect(await loadImages(other, archive)).toMatchObject({ format: 'oci-layout', images: [{ tags: ['app:1'], configDigest: seeded.config.digest }] })

    // Without the containerd annotation a bare ref name ("1") names no repository: loaded untagged,
    // yet kept (an index.json entry without a name) and reachable by digest.
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] }
    for (const m of index.manifests) delete m.annotations['io.containerd.image.name']
    await writeFile(path.join(dir, 'index.json'), JSON.stringify(index))
    const third = await tempStore()
    const [loaded] = (await loadImages(third, dir)).images
    expect(loaded?.tags).toEqual([])
    expect((await resolveImage(third, loaded!.manifestDigest)).manifest.config.digest).toBe(seeded.config.digest)
  })
})
