import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { putImage } from './images'
import { openStore } from './store'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-open-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('openStore', () => {
  it('creates an OCI image layout with room for Layerlab metadata', async () => {
    const root = path.join(dir, 'nested', 'store')
    const store = await openStore(root)
    expect(store.dir).toBe(root)
    expect(JSON.parse(await readFile(path.join(root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' })
    expect(JSON.parse(await readFile(path.join(root, 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    })
    expect((await readdir(root)).sort()).toEqual(['blobs', 'builds', 'cache', 'index.json', 'oci-layout', 'tmp'])
    expect(await readdir(path.join(root, 'blobs'))).toEqual(['sha256'])
  })

  it('reopens an existing store without losing its tags', async () => {
    const store = await openStore(dir)
    const layer = await store.putBlob('layer')
    await putImage(store, { config: {}, layers: [layer], tags: ['app'] })
    const again = await openStore(dir)
    const index = JSON.parse(await readFile(again.paths.index, 'utf8')) as { manifests: unknown[] }
    expect(index.manifests).toHaveLength(1)
  })

  it('opens a layout written by another tool (it has oci-layout)', async () => {
    await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true })
    const store = await openStore(dir)
    expect(JSON.parse(await readFile(store.paths.index, 'utf8'))).toMatchObject({ manifests: [] })
  })

  it('refuses a non-empty directory that is not a store', async () => {
    await writeFile(path.join(dir, 'notes.txt'), 'mine')
    await expect(openStore(dir)).rejects.toMatchObject({ code: 'invalid-store', message: expect.stringMatching(/not a Layerlab store/) })
    expect(await readdir(dir)).toEqual(['notes.txt'])
  })

  it('accepts an otherwise empty directory a file manager has visited', async () => {
    await writeFile(path.join(dir, '.DS_Store'), '')
    await expect(openStore(dir)).resolves.toBeDefined()
  })

  it('refuses a layout version it does not know', async () => {
    await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}')
    await expect(openStore(dir)).rejects.toMatchObject({ code: 'invalid-store' })
  })
})
