import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'
import { entries, seedImage } from './image-io/test-fixtures.test-support'
import { openStore } from './store'

let root: string
let api: EngineApi

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-analysis-'))
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
})

afterEach(async () => {
  await api.close()
  await rm(root, { recursive: true, force: true })
})

describe('analyzeImage', () => {
  it('analyzes a stored image by tag and by digest through the contract', async () => {
    const store = await openStore(path.join(root, 'store'))
    const seeded = await seedImage(store, ['app:1'], [
      { createdBy: 'ADD base', layer: entries({ 'var/log/build.log': Buffer.alloc(70_000, 1), 'bin/app': Buffer.alloc(30_000, 2) }) },
      { createdBy: 'RUN rm /var/log/build.log', layer: [{ type: 'whiteout', path: 'var/log/build.log' }] },
    ])
    const reply = await dispatch(api.handlers, 'analyzeImage', { image: 'app:1' })
    expect(reply).toMatchObject({
      ok: true,
      result: {
        image: seeded.manifest.digest,
        wastedBytes: 70_000,
        storedBytes: 100_000,
        efficiency: 0.3,
        wastedPaths: [{ path: 'var/log/build.log', writtenIn: [0], removedIn: [1], stillPresent: false }],
        layers: [
          { index: 0, createdBy: 'ADD base', storedBytes: 100_000, wastedBytes: 70_000, discardedBytes: 0 },
          { index: 1, createdBy: 'RUN rm /var/log/build.log', storedBytes: 0, wastedBytes: 0, discardedBytes: 70_000 },
        ],
      },
    })
    const byDigest = await api.handlers.analyzeImage({ image: seeded.manifest.digest })
    expect(byDigest.wastedBytes).toBe(70_000)
  })

  it('refuses malformed selectors and names what is missing', async () => {
    expect(await dispatch(api.handlers, 'analyzeImage', { image: 'a', buildId: 'b' })).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    expect(await dispatch(api.handlers, 'analyzeImage', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    expect(await dispatch(api.handlers, 'analyzeImage', { image: 'absent:1' })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'image absent:1 is not in the store (it may have been pruned)' },
    })
    const build = await dispatch(api.handlers, 'analyzeImage', { buildId: '20260101-000000-abcdef' })
    expect(build).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('build 20260101-000000-abcdef') } })
    expect(await dispatch(api.handlers, 'analyzeImage', { daemonImage: 'busybox' })).toMatchObject({ ok: false, error: { code: 'docker-unavailable' } })
  })
})
