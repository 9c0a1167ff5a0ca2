import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256Digest } from './digest'
import { putImage } from './images'
import { readIndex, updateIndex } from './oci-layout'
import type { Store } from './store'
import { openStore } from './store'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-layout-'))
  store = await openStore(path.join(dir, 'store'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const skopeo = ((): boolean => {
  try {
    execFileSync('skopeo', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('index.json', () => {
  it('updates atomically and reads back what was written', async () => {
    const result = await updateIndex(store, (index) => {
      index.annotations = { note: 'kept' }
      return index.manifests.length
    })
    expect(result).toBe(0)
    expect(await readIndex(store)).toMatchObject({ schemaVersion: 2, annotations: { note: 'kept' } })
  })

  it('leaves index.json untouched when the change throws', async () => {
    const before = await readFile(store.paths.index, 'utf8')
    await expect(
      updateIndex(store, () => {
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    expect(await readFile(store.paths.index, 'utf8')).toBe(before)
  })

  it('refuses an index.json that is not an OCI index, or has bad digests', async () => {
    await writeFile(store.paths.index, '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:../../x","size":1}]}')
    await expect(readIndex(store)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('invalid digest') })
    await writeFile(store.paths.index, '[]')
    await expect(readIndex(store)).rejects.toMatchObject({ code: 'corrupt' })
  })

  it.skipIf(!skopeo)('is readable by skopeo as an OCI layout', async () => {
    const emptyTar = Buffer.alloc(1024)
    const layer = await store.putBlob(gzipSync(emptyTar))
    const config = { created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(emptyTar)] } }
    const { manifest } = await putImage(store, { config, layers: [layer], tags: ['app:1.0'] })

    const run = promisify(execFile)
    const inspected = JSON.parse((await run('skopeo', ['inspect', `oci:${store.dir}:1.0`])).stdout) as { Digest: string; Layers: string[] }
    expect(inspected.Digest).toBe(manifest.digest)
    expect(inspected.Layers).toEqual([layer.digest])
    // A copy makes skopeo read and verify every blob.
    await run('skopeo', ['copy', `oci:${store.dir}:1.0`, `oci:${path.join(dir, 'copy')}:x`])
    const copied = JSON.parse(await readFile(path.join(dir, 'copy', 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
    expect(copied.manifests[0]?.digest).toBe(manifest.digest)
  })
})
