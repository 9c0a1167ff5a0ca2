import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openStore, putImage } from '../../engine/store'

const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))
const layerlab = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

async function storeWithImage() {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'layerlab-cli-store-')), 'store')
  const store = await openStore(dir)
  const layer = await store.putBlob(Buffer.alloc(1024))
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created_by: 'COPY x / # buildkit' }],
  }
  await putImage(store, { config, layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar' }], tags: ['app:1'] })
  return { dir, store, layer }
}

describe('layerlab store check, images, prune', () => {
  it('lists an image and finds a healthy store healthy', async () => {
    const { dir } = await storeWithImage()
    const images = layerlab('images', '--store', dir)
    expect(images.code).toBe(0)
    expect(images.stdout).toMatch(/^app:1\s+[0-9a-f]{12}\s+2026-01-01T00:00:00Z\s+\d+(\.\d+)?[kB]+$/m)
    const check = layerlab('store', 'check', '--store', dir)
    expect(check).toMatchObject({ code: 0 })
    expect(check.stdout).toMatch(/3 blobs .* checked, no problems/)
  })

  it('fails the check and names the blob when a byte flips', async () => {
    const { dir, store, layer } = await storeWithImage()
    const file = store.blobPath(layer.digest)
    const bytes = readFileSync(file)
    bytes[0] = 1
    writeFileSync(file, bytes)
    const check = layerlab('store', 'check', '--store', dir)
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(layer.digest.slice(7))
  })

  it('prunes an unreferenced blob and reports the bytes freed', async () => {
    const { dir, store } = await storeWithImage()
    const orphan = await store.putBlob(Buffer.alloc(5000, 7))
    const old = new Date(Date.now() - 2 * 3600_000)
    utimesSync(store.blobPath(orphan.digest), old, old)
    expect(layerlab('prune', '--store', dir, '--dry-run').stdout).toMatch(/1 blob: would free 5kB/)
    expect(layerlab('prune', '--store', dir).stdout).toMatch(/1 blob: freed 5kB/)
    expect(await store.hasBlob(orphan.digest)).toBe(false)
    expect(layerlab('store', 'check', '--store', dir).code).toBe(0)
  })
})
