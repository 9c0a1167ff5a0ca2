import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildFinished } from './api.test-support'
import { describeMissReason, type BuildEvent, type BuildFinishedEvent, type StepFinishedEvent } from '../shared/build-events'
import type { EngineEvent } from '../shared/contract'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'
import type { Backend } from './build/backend'

let root: string
let project: string
let api: EngineApi
let events: BuildEvent[]
let unsubscribe: () => void

const dockerfile = `FROM scratch
COPY app.txt /app/app.txt
WORKDIR /app
ENV MODE=prod
LABEL version=1
`

function start(options: { backend?: (store: unknown) => Backend } = {}): void {
  api = createEngineApi({
    storeDir: path.join(root, 'store'),
    env: { DOCKER_HOST: `unix://${path.join(root, 'no-docker.sock')}` },
    dockerPollMs: 3_600_000,
    ...(options.backend ? { backend: options.backend as never } : {}),
  })
  events = []
  unsubscribe = api.subscribe((e: EngineEvent) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-'))
  project = path.join(root, 'project')
  await mkdir(project)
  await writeFile(path.join(project, 'Dockerfile'), dockerfile)
  await writeFile(path.join(project, 'app.txt'), 'one\n')
  start()
})

afterEach(async () => {
  unsubscribe()
  // Awaited (a build's background work may still write to the store), with a short grace for the test whose build never ends.
  await api.close(1000)
  await rm(root, { recursive: true, force: true })
})

const finished = (buildId: string, timeoutMs?: number): Promise<BuildFinishedEvent> => buildFinished(events, buildId, timeoutMs)

function stepsOf(buildId: string): string[] {
  return events
    .filter((e): e is StepFinishedEvent => e.type === 'step-finished' && e.buildId === buildId)
    .map((s) => `${s.instruction} | ${s.status}${s.reason ? ` | ${describeMissReason(s.reason)}` : ''}`)
}

async function build(args: Record<string, unknown> = {}): Promise<{ buildId: string; done: BuildFinishedEvent }> {
  const { buildId } = await api.handlers.startBuild({ dir: project, ...args })
  return { buildId, done: await finished(buildId) }
}

describe('startBuild, listBuilds, readBuild', () => {
  it('runs a build in the background, pushes its events and keeps it in the history', async () => {
    const first = await build({ tags: ['app:ui'] })
    expect(first.done.status).toBe('succeeded')
    expect(first.done.image?.tags).toEqual(['docker.io/library/app:ui'])
    const types = events.filter((e) => e.buildId === first.buildId).map((e) => e.type)
    expect(types[0]).toBe('build-started')
    expect(types[1]).toBe('plan')
    expect(types.at(-1)).toBe('build-finished')
    expect(stepsOf(first.buildId)).toEqual([
      'FROM scratch | cached',
      'COPY app.txt /app/app.txt | built | first build',
      'WORKDIR /app | built | first build',
      'ENV MODE=prod | cached',
      'LABEL version=1 | cached',
    ])

    // build-finished is pushed once the record is written: the history already has it.
    const afterFirst = await api.handlers.listBuilds({ dir: project })
    expect(afterFirst.map((b) => b.id)).toEqual([first.buildId])
    expect(afterFirst[0]).toMatchObject({ status: 'succeeded', dockerfile: 'Dockerfile', layerSteps: 2, cachedLayerSteps: 0 })

    const second = await build()
    expect(stepsOf(second.buildId).every((s) => s.includes('| cached'))).toBe(true)

    await writeFile(path.join(project, 'app.txt'), 'two\n')
    const third = await build()
    expect(stepsOf(third.buildId)[1]).toBe('COPY app.txt /app/app.txt | built | app.txt changed')

    const history = await api.handlers.listBuilds({ dir: project })
    expect(history.map((b) => b.id)).toEqual([third.buildId, second.buildId, first.buildId])
    expect(history[1]).toMatchObject({ layerSteps: 2, cachedLayerSteps: 2 })
    expect(history[0]?.durationMs).toBeGreaterThanOrEqual(0)

    const record = await api.handlers.readBuild({ id: third.buildId })
    expect(record.project).toBe(project)
    expect(record.plan?.[0]?.steps.map((s) => s.instruction)).toContain('WORKDIR /app')
    expect(record.steps.map((s) => s.status)).toEqual(['cached', 'built', 'built', 'cached', 'cached'])
    expect(record.steps[1]?.reason).toEqual({ kind: 'files-changed', changed: ['app.txt'], added: [], removed: [] })
  })

  it('keeps each project to its own history, also across engine restarts', async () => {
    const other = path.join(root, 'other')
    await mkdir(other)
    await writeFile(path.join(other, 'Dockerfile'), 'FROM scratch\nLABEL a=b\n')
    const mine = await build()
    const theirs = await api.handlers.startBuild({ dir: other })
    await finished(theirs.buildId)

    unsubscribe()
    await api.close()
    start()
    expect((await api.handlers.listBuilds({ dir: project })).map((b) => b.id)).toEqual([mine.buildId])
    expect((await api.handlers.listBuilds({ dir: other })).map((b) => b.id)).toEqual([theirs.buildId])
    expect(await api.handlers.listBuilds({ dir: path.join(root, 'never-built') })).toEqual([])
  })

  it('reports a failing step at its line and the steps after it as not run', async () => {
    await writeFile(path.join(project, 'bad.Dockerfile'), 'FROM scratch\nCOPY missing.txt /m\nWORKDIR /app\n')
    const { buildId, done } = await build({ dockerfile: 'bad.Dockerfile' })
    expect(done.status).toBe('failed')
    expect(done.error?.location?.start.line).toBe(2)
    expect(stepsOf(buildId)).toEqual(['FROM scratch | cached', 'COPY missing.txt /m | failed', 'WORKDIR /app | not-run'])
    const [summary] = await api.handlers.listBuilds({ dir: project })
    expect(summary).toMatchObject({ id: buildId, status: 'failed', dockerfile: 'bad.Dockerfile' })
  })

  it('runs one build per project at a time', async () => {
    unsubscribe()
    api.close()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    start({
      backend: () => ({
        kind: 'embedded',
        async build(_request, emit) {
          emit({ type: 'build-started', buildId: 'b1', backend: 'embedded', contextDir: project, dockerfile: 'Dockerfile', time: 0 })
          await gate
          emit({ type: 'build-finished', buildId: 'b1', status: 'succeeded', durationMs: 1 })
          return { buildId: 'b1', status: 'succeeded' }
        },
      }),
    })
    expect(await api.handlers.startBuild({ dir: project })).toEqual({ buildId: 'b1' })
    await expect(api.handlers.startBuild({ dir: project })).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringContaining('build-running') as string,
    })
    release()
    await finished('b1')
    expect(await api.handlers.startBuild({ dir: project })).toEqual({ buildId: 'b1' })
  })

  it('cancels a running build', async () => {
    const { buildId } = await api.handlers.startBuild({ dir: project })
    expect(await api.handlers.cancelBuild({ buildId })).toEqual({ cancelled: true })
    expect((await finished(buildId)).status).toBe('cancelled')
    expect(await api.handlers.cancelBuild({ buildId })).toEqual({ cancelled: false })
  })

  it('closes by cancelling running builds and waiting for their cleanup, up to a grace period', async () => {
    unsubscribe()
    await api.close()
    const cleaned: string[] = []
    start({
      backend: () => ({
        kind: 'embedded',
        async build(_request, emit, signal) {
          emit({ type: 'build-started', buildId: 'b-clean', backend: 'embedded', contextDir: project, dockerfile: 'Dockerfile', time: 0 })
          await new Promise((resolve) => signal?.addEventListener('abort', resolve))
          // Cleanup after the cancel takes a while (a sandbox removed, a record written).
          await new Promise((resolve) => setTimeout(resolve, 200))
          cleaned.push('b-clean')
          emit({ type: 'build-finished', buildId: 'b-clean', status: 'cancelled', durationMs: 1 })
          return { buildId: 'b-clean', status: 'cancelled' }
        },
      }),
    })
    await api.handlers.startBuild({ dir: project })
    await api.close()
    expect(cleaned).toEqual(['b-clean'])

    start({
      backend: () => ({
        kind: 'embedded',
        async build(_request, emit) {
          emit({ type: 'build-started', buildId: 'b-stuck', backend: 'embedded', contextDir: project, dockerfile: 'Dockerfile', time: 0 })
          await new Promise(() => undefined)
          return { buildId: 'b-stuck', status: 'cancelled' }
        },
      }),
    })
    await api.handlers.startBuild({ dir: project })
    const began = Date.now()
    // A build that never ends does not hold the close past its grace period.
    await api.close(300)
    expect(Date.now() - began).toBeGreaterThanOrEqual(250)
    expect(Date.now() - began).toBeLessThan(5_000)
  })

  it('answers an unknown build id with not-found', async () => {
    await expect(api.handlers.readBuild({ id: '20260101T000000000Z-nothere' })).rejects.toMatchObject({ code: 'not-found' })
  })
})

describe('untrusted paths', () => {
  it('refuses relative project paths and Dockerfiles outside the project', async () => {
    const outside = path.join(root, 'outside.Dockerfile')
    await writeFile(outside, 'FROM scratch\n')
    await symlink(outside, path.join(project, 'link.Dockerfile'))
    const refusals = [
      { dir: 'project' },
      { dir: '../project' },
      { dir: project, dockerfile: '../outside.Dockerfile' },
      { dir: project, dockerfile: outside },
      { dir: project, dockerfile: 'link.Dockerfile' },
    ]
    for (const args of refusals) {
      await expect(api.handlers.startBuild(args), JSON.stringify(args)).rejects.toMatchObject({ code: 'bad-request' })
      await expect(api.handlers.openProject(args), JSON.stringify(args)).rejects.toMatchObject({ code: 'bad-request' })
    }
    await expect(api.handlers.listBuilds({ dir: 'relative' })).rejects.toMatchObject({ code: 'bad-request' })
    expect(events).toEqual([])
  })

  it('checks arguments before any handler runs', async () => {
    const bad: [string, unknown][] = [
      ['startBuild', { dir: 5 }],
      ['startBuild', { dir: project, evil: true }],
      ['startBuild', { dir: project, buildArgs: { 'A=B': 'x' } }],
      ['startBuild', { dir: project, tags: 'app' }],
      ['readBuild', { id: '../../etc/passwd' }],
      ['cancelBuild', {}],
      ['openProject', { dir: `${project}\0` }],
    ]
    for (const [method, args] of bad) {
      expect(await dispatch(api.handlers, method, args), method).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    }
  })

  it('refuses an invalid tag before building', async () => {
    await expect(api.handlers.startBuild({ dir: project, tags: ['Not A Tag'] })).rejects.toMatchObject({ code: 'bad-request' })
    expect(events).toEqual([])
  })
})
