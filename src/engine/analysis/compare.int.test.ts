// Two real builds of one project, made with Layerlab's engine on a busybox base from the test
// daemon, with one copied file edited in between; and the same project built by the daemon.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFinished } from '../api.test-support'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { BuildEvent } from '../../shared/build-events'
import type { CompareView } from '../../shared/compare-api'
import { dispatch } from '../../shared/rpc'
import { createEngineApi, type EngineApi } from '../api'

const host = serviceOrSkip('docker')
const run = promisify(execFile)
const docker = (...args: string[]) => run('/usr/bin/docker', args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 << 20 })
const TAGS = ['layerlab-compare-test:1', 'layerlab-compare-test:2']

let root = ''
let project = ''
let api: EngineApi
const events: BuildEvent[] = []
const builds: string[] = []

async function build(): Promise<string> {
  const { buildId } = await api.handlers.startBuild({ dir: project })
  const done = await buildFinished(events, buildId, 120_000)
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
  return buildId
}

async function compare(args: unknown): Promise<CompareView> {
  const reply = await dispatch(api.handlers, 'compareImages', args)
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`)
  return reply.result as CompareView
}

beforeAll(async () => {
  if (!host) return
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-compare-int-'))
  project = path.join(root, 'project')
  await mkdir(path.join(project, 'conf'), { recursive: true })
  await writeFile(path.join(project, 'Dockerfile'), 'FROM busybox\nCOPY app.txt /app/app.txt\nCOPY conf /etc/app\nCOPY big.bin /data/big.bin\n')
  await writeFile(path.join(project, 'app.txt'), 'app\n')
  await writeFile(path.join(project, 'conf', 'main.conf'), 'level=1\n')
  await writeFile(path.join(project, 'conf', 'extra.conf'), 'x=y\n')
  await writeFile(path.join(project, 'big.bin'), Buffer.alloc(40_000, 3))
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { ...process.env, DOCKER_HOST: host }, dockerPollMs: 3_600_000 })
  api.subscribe((e) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
  builds.push(await build())
  await docker('build', '--network=none', '-t', TAGS[0] as string, project)
  // The edit: one copied file, 1000 bytes longer.
  await writeFile(path.join(project, 'conf', 'main.conf'), `level=2\n${'#'.repeat(1000)}\n`)
  // Layer tars keep whole-second mtimes: the rebuilt COPY's new directory times (the 'rebuilt'
  // rows below) only differ from the first build's once a second has passed.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  builds.push(await build())
  await docker('build', '--network=none', '-t', TAGS[1] as string, project)
}, 300_000)

afterAll(async () => {
  if (!host) return
  await api.close()
  await docker('rmi', '-f', ...TAGS).catch(() => undefined)
  await rm(root, { recursive: true, force: true })
})

describe('compareImages on real builds', () => {
  it.skipIf(!host)('finds exactly the layer pair of the edited COPY, with that file changed and the size delta', async () => {
    const view = await compare({ a: { buildId: builds[0] }, b: { buildId: builds[1] } })
    expect(view.rows.map((r) => [r.status, r.a?.instruction, r.b?.instruction])).toEqual([
      ['same', expect.any(String), expect.any(String)],
      ['same', 'COPY app.txt /app/app.txt', 'COPY app.txt /app/app.txt'],
      ['changed', 'COPY conf /etc/app', 'COPY conf /etc/app'],
      // Rebuilt because its parent changed: new mtimes, the same files.
      ['rebuilt', 'COPY big.bin /data/big.bin', 'COPY big.bin /data/big.bin'],
    ])
    expect(view.rows[0]?.a?.origin).toBe('base')
    expect(view.rows[3]?.files?.counts).toMatchObject({ changed: 0, added: 0, removed: 0 })
    expect(view.rows[3]?.files?.counts.mtimeOnly).toBeGreaterThan(0)
    const changed = view.rows[2]
    expect(changed?.files?.counts).toMatchObject({ changed: 1, added: 0, removed: 0 })
    const file = changed?.files?.entries.find((e) => e.change === 'changed')
    expect(file?.path).toBe('etc/app/main.conf')
    expect(file?.differences).toEqual(expect.arrayContaining(['content', 'size']))
    expect(file?.b?.size).toBe(1009)
    expect(changed?.files?.sizeDelta).toBe(1009 - 8)
    // The layer tar grows by the file's bytes rounded up to 512-byte blocks.
    expect(changed?.sizeDelta).toBe(1024 - 512)
    expect(view.totalDelta).toBe(512)
    expect(view.b.totalSize - view.a.totalSize).toBe(view.totalDelta)
    // Nothing else differs: everything but mtimes is the same in the changed pair.
    expect(changed?.files?.entries.filter((e) => e.change !== 'mtime-only').map((e) => e.path)).toEqual(['etc/app/main.conf'])
  })

  it.skipIf(!host)('compares two daemon images, and a build with the daemon’s image of the same project', async () => {
    const daemon = await compare({ a: { daemonImage: TAGS[0] }, b: { daemonImage: TAGS[1] } })
    expect(daemon.a.source).toBe('daemon')
    expect(daemon.a.contentHashes).toBe(false)
    expect(daemon.rows.map((r) => r.status)).toEqual(['same', 'same', 'changed', 'rebuilt'])
    expect(daemon.rows[2]?.files?.entries.find((e) => e.change === 'changed')?.path).toBe('etc/app/main.conf')
    expect(daemon.totalDelta).toBe(512)

    const mixed = await compare({ a: { buildId: builds[1] }, b: { daemonImage: TAGS[1] } })
    // Same base layer by diffID, and each COPY paired with BuildKit's by its instruction.
    expect(mixed.rows.map((r) => [r.a?.index, r.b?.index])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ])
    expect(mixed.rows[0]?.status).toBe('same')
  })

  it.skipIf(!host)('compares a build the Docker daemon ran by its steps, with its image read from the daemon', async () => {
    const { buildId } = await api.handlers.startBuild({ dir: project, backend: 'docker' })
    await buildFinished(events, buildId, 120_000)
    const view = await compare({ a: { buildId: builds[1] }, b: { buildId } })
    expect(view.b).toMatchObject({ source: 'build', buildId, contentHashes: false })
    expect(view.rows.map((r) => [r.b?.instruction, r.b?.line])).toEqual([
      [expect.any(String), undefined],
      ['COPY app.txt /app/app.txt', 2],
      ['COPY conf /etc/app', 3],
      ['COPY big.bin /data/big.bin', 4],
    ])
    expect(view.rows.every((r) => r.a !== undefined && r.b !== undefined)).toBe(true)
    // Same inputs on both sides: whatever the layer bytes, no file differs beyond mtimes.
    expect(view.rows.flatMap((r) => r.files?.entries.filter((e) => e.change !== 'mtime-only') ?? [])).toEqual([])
  })

  it.skipIf(!host)('says what is wrong with a name that is not there', async () => {
    await expect(compare({ a: { buildId: builds[0] }, b: { image: 'no-such-image:1' } })).rejects.toThrow(/not-found: image no-such-image:1 is not in the store \(it may have been pruned\)$/)
    await expect(compare({ a: { daemonImage: 'no-such-image:1' }, b: { buildId: builds[0] } })).rejects.toThrow(/^not-found: image no-such-image:1 is not in the Docker daemon at /)
    await expect(compare({ a: { buildId: builds[0] } })).rejects.toThrow(/bad-request/)
  })
})
