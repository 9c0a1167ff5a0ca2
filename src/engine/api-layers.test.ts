import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildFinished } from './api.test-support'
import type { BuildEvent, StepFinishedEvent } from '../shared/build-events'
import { entriesFromTable } from '../shared/layer-file-table'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'
import { matchSteps } from './api-layers'
import { LayerFileCache } from './layers'

let root: string
let project: string
let api: EngineApi
let events: BuildEvent[]
let unsubscribe: () => void

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-layers-'))
  project = path.join(root, 'project')
  await mkdir(path.join(project, 'web', 'css'), { recursive: true })
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY big.bin /data/big.bin\nCOPY web /srv/web\nCOPY index.html /srv/web/index.html\n')
  await writeFile(path.join(project, 'big.bin'), Buffer.alloc(50_000, 7))
  await writeFile(path.join(project, 'web', 'index.html'), '<p>one</p>\n')
  await writeFile(path.join(project, 'web', 'css', 'site.css'), 'p{}\n')
  await writeFile(path.join(project, 'index.html'), '<p>two, longer</p>\n')
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
  events = []
  unsubscribe = api.subscribe((e) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
})

afterEach(async () => {
  unsubscribe()
  await api.close()
  await rm(root, { recursive: true, force: true })
})

async function built(): Promise<string> {
  const { buildId } = await api.handlers.startBuild({ dir: project })
  expect((await buildFinished(events, buildId)).status).toBe('succeeded')
  return buildId
}

describe('imageLayers and layerFileTree', () => {
  it('lists a build’s layers with their steps and diffs each layer', async () => {
    const buildId = await built()
    const view = await api.handlers.imageLayers({ buildId })
    expect(view.layers.map((l) => [l.index, l.origin, l.step?.line])).toEqual([
      [0, 'built', 2],
      [1, 'built', 3],
      [2, 'built', 4],
    ])
    expect(view.layers[0]?.size).toBeGreaterThan(50_000)
    expect(view.totalSize).toBe(view.layers.reduce((s, l) => s + l.size, 0))
    expect(view.layers[2]?.createdBy).toContain('index.html')

    // The same image by digest: no steps, sizes measured from the blobs.
    const byImage = await api.handlers.imageLayers({ image: view.image })
    expect(byImage.layers.map((l) => [l.origin, l.size])).toEqual(view.layers.map((l) => ['base', l.size]))

    const first = await api.handlers.layerFileTree({ buildId, layer: 0 })
    expect(first.entries.find((e) => e.path === 'data/big.bin')).toMatchObject({ change: 'added', type: 'file', size: 50_000 })
    const second = await api.handlers.layerFileTree({ buildId, layer: 1 })
    expect(second.entries.map((e) => [e.path, e.change])).toContainEqual(['srv/web/css/site.css', 'added'])
    const third = await api.handlers.layerFileTree({ image: view.image, layer: 2 })
    expect(third.entries.find((e) => e.path === 'srv/web/index.html')).toMatchObject({ change: 'modified', size: 19 })

    // A second build from the cache: the layers say so.
    const again = await built()
    const cached = await api.handlers.imageLayers({ buildId: again })
    expect(cached.layers.map((l) => l.origin)).toEqual(['cached', 'cached', 'cached'])
  })

  it('answers in the user’s terms', async () => {
    await expect(api.handlers.imageLayers({ buildId: 'nope' })).rejects.toMatchObject({ code: 'not-found' })
    await expect(api.handlers.imageLayers({ image: 'missing:1' })).rejects.toMatchObject({ code: 'not-found' })
    const buildId = await built()
    await expect(api.handlers.layerFileTree({ buildId, layer: 9 })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('3 layers') })
    const bad = await dispatch(api.handlers, 'layerFileTree', { buildId, image: 'x', layer: 0 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } })
  })
})

describe('the layer file cache', () => {
  const cacheDir = (): string => path.join(root, 'store', 'layer-files')
  /** The warm-up after a build writes one file per layer; waits for all three. */
  async function cacheFiles(): Promise<string[]> {
    const deadline = Date.now() + 20_000
    for (;;) {
      const files = (await readdir(cacheDir()).catch(() => [] as string[])).filter((f) => f.endsWith('.json'))
      if (files.length === 3) return files
      if (Date.now() > deadline) throw new Error(`the build's layers were not cached (${files.length} files)`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('is filled after a build, answers a fresh engine, and a corrupt file is diffed again', async () => {
    const buildId = await built()
    await cacheFiles()
    const table = await api.handlers.layerFileTable({ buildId, layer: 2 })
    expect(entriesFromTable(table).find((e) => e.path === 'srv/web/index.html')).toMatchObject({ change: 'modified', size: 19 })
    const file = new LayerFileCache(cacheDir()).fileOf((await api.handlers.imageLayers({ buildId })).layers.map((l) => l.diffId))
    const good = await readFile(file, 'utf8')

    // A fresh engine trusts a well-formed file for the chain: it answers what the file says.
    const planted = { ...table, size: table.size.map((s) => (s === 19 ? 1234 : s)) }
    await new LayerFileCache(cacheDir()).write((await api.handlers.imageLayers({ buildId })).layers.map((l) => l.diffId), planted)
    const fresh = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
    try {
      expect((await fresh.handlers.layerFileTree({ buildId, layer: 2 })).entries.find((e) => e.path === 'srv/web/index.html')?.size).toBe(1234)
    } finally {
      await fresh.close()
    }

    // A corrupt one is not trusted: the layers are diffed again and the file rewritten (closing waits for that).
    await writeFile(file, good.replace('"diffId"', '"diffID"'))
    const again = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
    let answer
    try {
      answer = await again.handlers.layerFileTable({ buildId, layer: 2 })
    } finally {
      await again.close()
    }
    expect(answer.size).toEqual(table.size)
    expect(await readFile(file, 'utf8')).toBe(good)
  })
})

describe('matchSteps', () => {
  const step = (stage: number, index: number, diffId: string): StepFinishedEvent => ({
    type: 'step-finished',
    buildId: 'b',
    stepId: `${stage}.${index}`,
    stage: { index: stage },
    index,
    instruction: `COPY ${diffId}`,
    location: { start: { line: index + 1, column: 1 }, end: { line: index + 1, column: 1 } },
    status: 'built',
    durationMs: 1,
    layer: { diffId, digest: diffId, size: 1 },
  })
  it('matches the final stage’s steps from the top and leaves base layers alone', () => {
    const out = matchSteps(['base1', 'base2', 'x', 'y'], [step(0, 1, 'z'), step(1, 1, 'x'), step(1, 2, 'y')])
    expect(out.map((s) => s?.stepId)).toEqual([undefined, undefined, '1.1', '1.2'])
  })
})
