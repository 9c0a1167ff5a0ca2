import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { EmbeddedBackend } from '../build/embedded-backend'
import { openStore, resolveImage, type Store } from '../store'
import { daemonHasImage, importFromDaemon } from './daemon-images'

const dockerHost = serviceOrSkip('docker')
let dir: string
let store: Store

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-daemon-images-'))
  store = await openStore(path.join(dir, 'store'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe.skipIf(!dockerHost)('base images from the Docker daemon', () => {
  const env = { DOCKER_HOST: dockerHost }

  it('knows which images the daemon has, and says no when no daemon answers', async () => {
    expect(await daemonHasImage('busybox:latest', env)).toBe(true)
    expect(await daemonHasImage('no-such-image:never', env)).toBe(false)
    expect(await daemonHasImage('busybox:latest', { DOCKER_HOST: `unix://${dir}/none.sock` })).toBe(false)
  })

  it('streams docker save into the store with the same diffIDs', async () => {
    const loaded = await importFromDaemon(store, 'busybox:latest', env)
    expect(loaded.images[0]?.tags).toContain('busybox:latest')
    const image = await resolveImage(store, 'busybox')
    const daemon = await new Docker({ socketPath: new URL(dockerHost ?? '').pathname }).getImage('busybox:latest').inspect()
    expect(image.config.rootfs?.diff_ids).toEqual(daemon.RootFS.Layers)
  })

  it('stops copying when the build is cancelled, and keeps nothing of it', async () => {
    const cancelled = await openStore(path.join(dir, 'cancelled-store'))
    const controller = new AbortController()
    controller.abort(new Error('the build was cancelled'))
    await expect(importFromDaemon(cancelled, 'busybox:latest', env, controller.signal)).rejects.toThrow('the build was cancelled')
    await expect(resolveImage(cancelled, 'busybox:latest')).rejects.toThrow()
  })

  it('lets FROM use an image only the daemon has', async () => {
    const fresh = await openStore(path.join(dir, 'fresh-store'))
    const context = path.join(dir, 'ctx')
    await mkdir(context, { recursive: true })
    await writeFile(path.join(context, 'Dockerfile'), 'FROM busybox:latest\nCOPY Dockerfile /Dockerfile\n')
    const previous = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = dockerHost
    try {
      const outcome = await new EmbeddedBackend({ store: fresh }).build({ contextDir: context, tags: ['from-daemon:1'] }, () => {})
      expect(outcome.status).toBe('succeeded')
    } finally {
      process.env.DOCKER_HOST = previous
    }
    expect((await resolveImage(fresh, 'busybox:latest')).manifest.layers.length).toBeGreaterThan(0)
  })
})
