import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildFinished } from './api.test-support'
import type { BuildEvent } from '../shared/build-events'
import type { CompareView } from '../shared/compare-api'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'

let root: string
let project: string
let api: EngineApi
let events: BuildEvent[]

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-compare-'))
  project = path.join(root, 'project')
  await mkdir(project)
  await writeFile(path.join(project, 'a.txt'), 'a\n')
  await writeFile(path.join(project, 'b.txt'), 'b\n')
  await writeFile(path.join(project, 'extra.bin'), Buffer.alloc(5000, 2))
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
  events = []
  api.subscribe((e) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
})

afterEach(async () => {
  await api.close()
  await rm(root, { recursive: true, force: true })
})

async function build(dockerfile: string): Promise<string> {
  await writeFile(path.join(project, 'Dockerfile'), dockerfile)
  const { buildId } = await api.handlers.startBuild({ dir: project })
  expect((await buildFinished(events, buildId)).status).toBe('succeeded')
  return buildId
}

async function compare(a: string, b: string): Promise<CompareView> {
  const reply = await dispatch(api.handlers, 'compareImages', { a: { buildId: a }, b: { buildId: b } })
  if (!reply.ok) throw new Error(reply.error.message)
  return reply.result as CompareView
}

describe('compareImages', () => {
  it('pairs the steps two Dockerfiles share and shows an inserted step as only in B, with its files and size', async () => {
    const first = await build('FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n')
    const second = await build('FROM scratch\nCOPY a.txt /a.txt\nCOPY extra.bin /opt/extra.bin\nCOPY b.txt /b.txt\n')
    const view = await compare(first, second)
    expect(view.rows.map((r) => [r.a?.index, r.b?.index, r.status])).toEqual([
      [0, 0, 'same'],
      [undefined, 1, 'added'],
      [1, 2, expect.stringMatching(/^(same|rebuilt)$/)],
    ])
    const added = view.rows[1]
    expect(added?.b).toMatchObject({ instruction: 'COPY extra.bin /opt/extra.bin', origin: 'built', line: 3 })
    expect(added?.files?.entries.map((e) => `${e.change} ${e.path}`)).toEqual(['added opt', 'added opt/extra.bin'])
    expect(added?.sizeDelta).toBe(added?.b?.size)
    expect(view.totalDelta).toBe(view.b.totalSize - view.a.totalSize)
    expect(view.totalDelta).toBeGreaterThanOrEqual(5000)

    // The other way round the step is only in A, and its files are removed.
    const back = await compare(second, first)
    expect(back.rows[1]).toMatchObject({ status: 'removed', a: { index: 1 } })
    expect(back.rows[1]?.files?.counts.removed).toBe(2)
    expect(back.totalDelta).toBe(-view.totalDelta)
  })

  it('says which build has no image', async () => {
    const ok = await build('FROM scratch\nCOPY a.txt /a.txt\n')
    const reply = await dispatch(api.handlers, 'compareImages', { a: { buildId: ok }, b: { buildId: '20200101T000000000Z-nonexist' } })
    expect(reply).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('build 20200101T000000000Z-nonexist is not in the store') } })
  })
})
