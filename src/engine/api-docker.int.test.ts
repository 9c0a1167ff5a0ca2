import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFinished } from './api.test-support'
import { serviceOrSkip } from '../../scripts/require-service'
import type { BuildEvent, BuildFinishedEvent, StepFinishedEvent, StepLayerEvent } from '../shared/build-events'
import { ApiError } from '../shared/errors'
import type { ImageListEntry } from '../shared/images-api'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'
import { savedLayerFacts } from './docker/docker-save.test-support'

const host = serviceOrSkip('docker')
let root: string
let project: string
let api: EngineApi
const events: BuildEvent[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-docker-'))
  project = path.join(root, 'project')
  await mkdir(project, { recursive: true })
  await writeFile(path.join(project, 'Dockerfile'), 'FROM busybox:latest\nCOPY hello.txt /srv/hello.txt\nENV MODE=test\nRUN echo made > /srv/made.txt\n')
  await writeFile(path.join(project, 'hello.txt'), `hello ${Date.now()}\n`)
  // Discovery as the app does it: DOCKER_HOST from the environment given, HOME without contexts.
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: host, HOME: root }, dockerPollMs: 3_600_000 })
  api.subscribe((e) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
})
afterAll(async () => {
  await api?.close()
  await rm(root, { recursive: true, force: true })
})

const finished = (buildId: string): Promise<BuildFinishedEvent> => buildFinished(events, buildId, 60_000)

describe.skipIf(!host)('the engine API with the Docker daemon', () => {
  it('builds with backend docker, then shows that build’s layers and file trees from the daemon', async () => {
    const { buildId } = await api.handlers.startBuild({ dir: project, backend: 'docker', tags: ['layerlab-api-docker:1'] })
    const end = await finished(buildId)
    expect(end.status, JSON.stringify(end.error)).toBe('succeeded')
    expect(events.find((e) => e.type === 'build-started' && e.buildId === buildId)).toMatchObject({ backend: 'docker' })
    const steps = events.filter((e): e is StepFinishedEvent => e.type === 'step-finished' && e.buildId === buildId)
    const layerEvents = events.filter((e): e is StepLayerEvent => e.type === 'step-layer' && e.buildId === buildId)
    const saved = await savedLayerFacts(host, 'layerlab-api-docker:1', root)

    const view = await api.handlers.imageLayers({ buildId })
    expect(view.image).toBe(end.image?.digest)
    expect(view.layers.map((l) => ({ diffId: l.diffId, size: l.size }))).toEqual(saved.map((l) => ({ diffId: l.diffId, size: l.size })))
    expect(view.layers.map((l) => [l.origin, l.step?.line])).toEqual([...saved.slice(0, -2).map(() => ['base', undefined]), ['built', 2], ['built', 4]])
    expect(view.totalSize).toBe(saved.reduce((sum, l) => sum + l.size, 0))
    // The events carried the same layers, each after its step finished.
    expect(layerEvents.map((e) => e.layer.diffId)).toEqual(saved.slice(-2).map((l) => l.diffId))
    for (const e of layerEvents) expect(steps.some((s) => s.stepId === e.stepId)).toBe(true)
    expect(view.layers.at(-1)?.createdBy).toMatch(/echo made > \/srv\/made\.txt/)

    const top = await api.handlers.layerFileTree({ buildId, layer: view.layers.length - 1 })
    expect(top.entries.filter((e) => !e.implicit).map((e) => e.path).sort()).toEqual(saved.at(-1)?.names)
    expect(top.entries.find((e) => e.path === 'srv/made.txt')).toMatchObject({ change: 'added', type: 'file', size: 5 })
    const copy = await api.handlers.layerFileTree({ buildId, layer: view.layers.length - 2 })
    expect(copy.entries.find((e) => e.path === 'srv/hello.txt')).toMatchObject({ change: 'added' })

    const summary = (await api.handlers.listBuilds({ dir: project }))[0]
    expect(summary).toMatchObject({ id: buildId, backend: 'docker', layerSteps: 2, image: { digest: end.image?.digest } })
  })

  it('lists the daemon’s images and opens one not built here', async () => {
    // Through the contract's guard, as the UI calls it.
    const reply = await dispatch(api.handlers, 'listImages', { source: 'docker' })
    if (!reply.ok) throw new Error(reply.error.message)
    const images = reply.result as ImageListEntry[]
    expect((await dispatch(api.handlers, 'listImages', { source: 'hub' })).ok).toBe(false)
    const busybox = images.find((i) => i.tags.includes('busybox:latest'))
    expect(busybox).toMatchObject({ source: 'docker', ref: 'busybox:latest', id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })
    expect(Date.parse(busybox?.created ?? '')).toBeGreaterThan(0)

    const saved = await savedLayerFacts(host, 'busybox:latest', root)
    const view = await api.handlers.imageLayers({ daemonImage: 'busybox:latest' })
    expect(view.image).toBe(busybox?.id)
    expect(view.layers.map((l) => ({ diffId: l.diffId, size: l.size, origin: l.origin }))).toEqual(saved.map((l) => ({ diffId: l.diffId, size: l.size, origin: 'base' })))
    const tree = await api.handlers.layerFileTree({ daemonImage: busybox?.id ?? '', layer: 0 })
    expect(tree.entries.find((e) => e.path === 'bin/busybox')).toMatchObject({ change: 'added', type: 'file' })
    expect(tree.entries.filter((e) => !e.implicit).map((e) => e.path).sort()).toEqual(saved[0]?.names)

    const store = await api.handlers.listImages({ source: 'store' })
    expect(store.every((i) => i.source === 'store')).toBe(true)
  })

  it('says not-found for an image the daemon does not have', async () => {
    const missing = api.handlers.imageLayers({ daemonImage: 'layerlab-no-such-image:1' })
    await expect(missing).rejects.toBeInstanceOf(ApiError)
    await expect(missing).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/^image layerlab-no-such-image:1 is not in the Docker daemon at /) })
  })
})

describe('the engine API without a Docker daemon', () => {
  it('refuses a docker build and the daemon image calls, saying what was tried', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'layerlab-api-nodocker-'))
    const sock = path.join(dir, 'none.sock')
    // HOME without contexts. DOCKER_HOST is the only place looked at, so the machine's own
    // /var/run/docker.sock (if any) must not answer for it.
    const lonely = createEngineApi({ storeDir: path.join(dir, 'store'), env: { DOCKER_HOST: `unix://${sock}`, HOME: dir, XDG_RUNTIME_DIR: dir }, dockerPollMs: 3_600_000 })
    try {
      await mkdir(path.join(dir, 'p'))
      await writeFile(path.join(dir, 'p', 'Dockerfile'), 'FROM scratch\n')
      const info = await lonely.handlers.engineInfo()
      const why = `no Docker daemon answers: no socket at unix://${sock} (DOCKER_HOST is set, so, as with the docker CLI, nowhere else is tried)`
      expect(info.docker).toEqual({ available: false, host: `unix://${sock}`, reason: why.replace('no Docker daemon answers: ', ''), tried: [{ host: `unix://${sock}`, reason: `no socket at unix://${sock}` }] })
      const start = lonely.handlers.startBuild({ dir: path.join(dir, 'p'), backend: 'docker' })
      await expect(start).rejects.toMatchObject({ code: 'docker-unavailable', message: `cannot build with Docker: ${why}` })
      await expect(lonely.handlers.listImages({ source: 'docker' })).rejects.toMatchObject({ code: 'docker-unavailable', message: `the Docker daemon's images: ${why}` })
      await expect(lonely.handlers.imageLayers({ daemonImage: 'busybox' })).rejects.toMatchObject({ code: 'docker-unavailable', message: `image busybox: ${why}` })
      await expect(lonely.handlers.analyzeImage({ daemonImage: 'busybox' })).rejects.toMatchObject({ code: 'docker-unavailable', message: `image busybox: ${why}` })
      await expect(lonely.handlers.compareImages({ a: { daemonImage: 'busybox' }, b: { daemonImage: 'busybox' } })).rejects.toMatchObject({ code: 'docker-unavailable', message: `image busybox: ${why}` })
    } finally {
      lonely.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
