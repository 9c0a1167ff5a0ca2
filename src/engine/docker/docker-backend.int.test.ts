import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { BuildEvent, StepFinishedEvent } from '../../shared/build-events'
import { contextStatCachePath } from '../build/context-stat-cache'
import { openStore, readBuild, type Store } from '../store'
import { parseDockerHost } from './connection'
import { DockerBackend } from './docker-backend'
import { dockerCli, savedLayerFacts } from './docker-save.test-support'

const host = serviceOrSkip('docker')
let dir: string
let store: Store

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-docker-backend-'))
  store = await openStore(path.join(dir, 'store'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const dockerfile = [
  'FROM busybox:latest',
  'ENV GREETING=hi',
  'COPY base.txt /base.txt',
  'RUN echo first > /first.txt',
  'COPY app.txt /app/app.txt',
  'RUN cat /app/app.txt && echo built > /app/built.txt',
  'CMD ["cat", "/app/app.txt"]',
  '',
].join('\n')

async function build(backend: DockerBackend, contextDir: string, tag: string, extra: { noCache?: boolean } = {}) {
  const events: BuildEvent[] = []
  const outcome = await backend.build({ contextDir, tags: [tag], ...extra }, (e) => events.push(e))
  return { outcome, events, finished: finishedSteps(events) }
}

/** Each step's step-finished event, joined with the step-layer event that follows it. */
function finishedSteps(events: BuildEvent[]): Map<string, StepFinishedEvent> {
  const byId = new Map<string, StepFinishedEvent>()
  for (const e of events) {
    if (e.type === 'step-finished') byId.set(e.stepId, e)
    const finished = e.type === 'step-layer' ? byId.get(e.stepId) : undefined
    if (e.type === 'step-layer' && finished) byId.set(e.stepId, { ...finished, layer: e.layer })
  }
  return new Map([...byId.values()].map((e) => [e.instruction, e]))
}

function checkOrder(events: BuildEvent[]): void {
  expect(events[0]?.type).toBe('build-started')
  expect(events[1]?.type).toBe('plan')
  expect(events.at(-1)?.type).toBe('build-finished')
  const started = new Set<string>()
  const finished = new Set<string>()
  for (const e of events) {
    if (e.type === 'step-started') {
      expect(finished.has(e.stepId)).toBe(false)
      started.add(e.stepId)
    } else if (e.type === 'step-log') {
      expect(started.has(e.stepId)).toBe(true)
      expect(finished.has(e.stepId)).toBe(false)
    } else if (e.type === 'step-finished') {
      if (e.status !== 'not-run') expect(started.has(e.stepId), `${e.stepId} started before finished`).toBe(true)
      expect(finished.has(e.stepId)).toBe(false)
      finished.add(e.stepId)
    } else if (e.type === 'step-layer') {
      expect(finished.has(e.stepId), `${e.stepId} finished before its layer`).toBe(true)
    }
  }
  const plan = events[1]
  if (plan?.type !== 'plan') throw new Error('no plan')
  for (const stage of plan.stages) for (const step of stage.steps) expect(finished.has(step.id), `${step.id} finished`).toBe(true)
}

describe.skipIf(!host)('DockerBackend against the test daemon', () => {
  for (const builder of ['buildkit', 'legacy'] as const) {
    describe(builder, () => {
      const connection = parseDockerHost(host ?? 'unix:///nonexistent')
      // No network given: the test daemon has no bridge network, which the backend must notice.
      const backend = () => new DockerBackend({ connection, builder, store })
      let context: string

      beforeAll(async () => {
        context = path.join(dir, `ctx-${builder}`)
        await mkdir(context, { recursive: true })
        await writeFile(path.join(context, 'Dockerfile'), dockerfile)
        await writeFile(path.join(context, 'base.txt'), 'base\n')
        await writeFile(path.join(context, 'app.txt'), `app ${builder} ${Date.now()}\n`)
        await writeFile(path.join(context, 'ignored.txt'), 'secret\n')
        await writeFile(path.join(context, '.dockerignore'), 'ignored.txt\n')
      })

      it('streams a multi-step build in order, and the second build after an edit has the right cached flags and reasons', async () => {
        const first = await build(backend(), context, `layerlab-test/${builder}:1`)
        expect(first.outcome.status, JSON.stringify(first.events.at(-1))).toBe('succeeded')
        expect(first.outcome.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
        checkOrder(first.events)
        const runLogs = first.events.filter((e) => e.type === 'step-log').map((e) => (e.type === 'step-log' ? e.text : '')).join('')
        expect(runLogs).toContain('app')

        // Each step that made a layer says which, as docker save holds it (uncompressed tar bytes).
        const layered = ['COPY base.txt /base.txt', 'RUN echo first > /first.txt', 'COPY app.txt /app/app.txt', 'RUN cat /app/app.txt && echo built > /app/built.txt']
        const saved = await savedLayerFacts(host, `layerlab-test/${builder}:1`, dir)
        expect(layered.map((i) => first.finished.get(i)?.layer)).toEqual(saved.slice(-4).map((l) => ({ diffId: l.diffId, size: l.size })))
        for (const i of ['FROM busybox:latest', 'ENV GREETING=hi', 'CMD ["cat", "/app/app.txt"]']) expect(first.finished.get(i)?.layer).toBeUndefined()
        const record = await readBuild(store, first.outcome.buildId)
        expect(record).toMatchObject({ backend: 'docker', status: 'succeeded', result: { daemonImageId: first.outcome.image?.digest } })
        expect((record.eventsSummary as StepFinishedEvent[]).filter((e) => e.layer).length).toBe(4)

        if (builder === 'buildkit') {
          // The context's digests go to the store's stat cache, as the embedded engine's do. Files
          // changed within its 2 s racy window are not trusted, so wait that out once.
          await new Promise((resolve) => setTimeout(resolve, 2_100))
        }
        await writeFile(path.join(context, 'app.txt'), `edited ${builder} ${Date.now()}\n`)
        const second = await build(backend(), context, `layerlab-test/${builder}:2`)
        if (builder === 'buildkit') {
          const statCache = JSON.stringify(JSON.parse(await readFile(contextStatCachePath(store, context), 'utf8')))
          expect(statCache).toContain('base.txt')
          expect(statCache).not.toContain('app.txt') // just edited: hashed again next time
        }
        expect(second.outcome.status).toBe('succeeded')
        checkOrder(second.events)
        const status = (instruction: string) => second.finished.get(instruction)?.status
        expect(status('FROM busybox:latest')).toBe('cached')
        expect(status('ENV GREETING=hi')).toBe('cached')
        expect(status('COPY base.txt /base.txt')).toBe('cached')
        expect(status('RUN echo first > /first.txt')).toBe('cached')
        expect(status('COPY app.txt /app/app.txt')).toBe('built')
        expect(status('RUN cat /app/app.txt && echo built > /app/built.txt')).toBe('built')
        expect(second.finished.get('COPY app.txt /app/app.txt')?.reason).toEqual({ kind: 'files-changed', changed: ['app.txt'], added: [], removed: [] })
        expect(second.finished.get('RUN cat /app/app.txt && echo built > /app/built.txt')?.reason).toMatchObject({ kind: 'parent-rebuilt', parentInstruction: 'COPY app.txt /app/app.txt' })
        expect(second.finished.get('COPY app.txt /app/app.txt')?.location.start.line).toBe(5)
        // Cached steps name the same layers as the first build; rebuilt ones new ones.
        expect(second.finished.get('RUN echo first > /first.txt')?.layer).toEqual(first.finished.get('RUN echo first > /first.txt')?.layer)
        expect(second.finished.get('COPY app.txt /app/app.txt')?.layer?.diffId).not.toBe(first.finished.get('COPY app.txt /app/app.txt')?.layer?.diffId)
        const resaved = await savedLayerFacts(host, `layerlab-test/${builder}:2`, dir)
        expect(second.finished.get('RUN cat /app/app.txt && echo built > /app/built.txt')?.layer).toEqual({ diffId: resaved.at(-1)?.diffId, size: resaved.at(-1)?.size })
      })

      it('makes a failing RUN a failed step with its log lines and its Dockerfile line', async () => {
        const failing = path.join(dir, `fail-${builder}`)
        await mkdir(failing, { recursive: true })
        await writeFile(path.join(failing, 'Dockerfile'), 'FROM busybox:latest\nENV A=1\nRUN echo ok > /ok.txt\nRUN echo about to fail && echo on-stderr >&2 && exit 3\nRUN echo never\n')
        const { outcome, events, finished } = await build(backend(), failing, `layerlab-test/${builder}-fail:1`)
        expect(outcome.status).toBe('failed')
        checkOrder(events)
        const failed = finished.get('RUN echo about to fail && echo on-stderr >&2 && exit 3')
        expect(failed?.status).toBe('failed')
        expect(failed?.location.start.line).toBe(4)
        expect(failed?.error?.message).toMatch(/^line 4: /)
        expect(failed?.error?.message).toContain('3')
        const logs = events.filter((e) => e.type === 'step-log' && e.stepId === failed?.stepId).map((e) => (e.type === 'step-log' ? e.text : '')).join('')
        expect(logs).toContain('about to fail')
        expect(logs).toContain('on-stderr')
        const stderr = events.filter((e) => e.type === 'step-log' && e.stream === 'stderr').map((e) => (e.type === 'step-log' ? e.text : '')).join('')
        expect(stderr).toContain('on-stderr')
        expect(finished.get('RUN echo never')?.status).toBe('not-run')
        // Steps are reported finished in the order they ran, the failed one after those before it.
        const order = events.filter((e): e is StepFinishedEvent => e.type === 'step-finished').map((e) => e.instruction)
        expect(finished.get('RUN echo ok > /ok.txt')?.status).toBe('built')
        expect(order.indexOf('RUN echo ok > /ok.txt')).toBeLessThan(order.indexOf('RUN echo about to fail && echo on-stderr >&2 && exit 3'))
        const end = events.at(-1)
        expect(end?.type === 'build-finished' && end.error?.location?.start.line).toBe(4)
      })

      it('maps a multi-stage build (named and unnamed stages, COPY --from) onto its planned steps', async () => {
        const multi = path.join(dir, `multi-${builder}`)
        await mkdir(multi, { recursive: true })
        await writeFile(path.join(multi, 'Dockerfile'), 'FROM busybox:latest AS builder\nWORKDIR /src\nRUN echo out > out.txt\nFROM busybox:latest\nLABEL a=b\nCOPY --from=builder /src/out.txt /out.txt\nRUN cat /out.txt\n')
        const { outcome, events, finished } = await build(backend(), multi, `layerlab-test/${builder}-multi:1`)
        expect(outcome.status).toBe('succeeded')
        checkOrder(events)
        expect([...finished.values()].map((e) => `${e.stepId} ${e.status}`)).not.toContainEqual(expect.stringMatching(/not-run|failed/))
        expect(finished.get('RUN cat /out.txt')?.stepId).toBe('1.3')
        const logs = events.filter((e) => e.type === 'step-log' && e.stepId === '1.3').map((e) => (e.type === 'step-log' ? e.text : '')).join('')
        expect(logs).toContain('out')
      })

      it('gives each layer above the base to the step that made it, when some steps make none', async () => {
        const quiet = path.join(dir, `quiet-${builder}`)
        await mkdir(quiet, { recursive: true })
        // A RUN that changes nothing, and a WORKDIR: steps that may or may not make a layer.
        await writeFile(path.join(quiet, 'Dockerfile'), `FROM busybox:latest\nWORKDIR /work\nRUN echo quiet-${builder}\nENV A=1\nRUN echo made > made.txt\n`)
        const tag = `layerlab-test/${builder}-quiet:1`
        const { outcome, finished } = await build(backend(), quiet, tag)
        expect(outcome.status).toBe('succeeded')
        const saved = await savedLayerFacts(host, tag, dir)
        const base = await savedLayerFacts(host, 'busybox:latest', dir)
        const withLayers = [...finished.values()].filter((e) => e.layer)
        expect(withLayers.map((e) => e.layer)).toEqual(saved.slice(base.length).map((l) => ({ diffId: l.diffId, size: l.size })))
        expect(finished.get('RUN echo made > made.txt')?.layer?.diffId).toBe(saved.at(-1)?.diffId)
        // The legacy builder drops a layer with no changes (BuildKit's RUN leaves a few bytes of metadata behind).
        if (builder === 'legacy') expect(finished.get(`RUN echo quiet-${builder}`)?.layer).toBeUndefined()
      })

      it('cancels: the request is aborted, the build finishes cancelled and leaves no container behind', async () => {
        const slow = path.join(dir, `slow-${builder}`)
        await mkdir(slow, { recursive: true })
        const marker = `${builder}-${Date.now()}`
        await writeFile(path.join(slow, 'Dockerfile'), `FROM busybox:latest\nRUN echo ${marker} && sleep 30\n`)
        const controller = new AbortController()
        const events: BuildEvent[] = []
        const started = Date.now()
        const pending = backend().build({ contextDir: slow }, (e) => {
          events.push(e)
          if (e.type === 'step-started' && e.stepId === '0.1') setTimeout(() => controller.abort(), 300)
        }, controller.signal)
        const outcome = await pending
        expect(outcome.status).toBe('cancelled')
        expect(Date.now() - started).toBeLessThan(25_000)
        const end = events.at(-1)
        expect(end?.type === 'build-finished' && end.status).toBe('cancelled')
        const { stdout } = await dockerCli(host)(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'])
        expect(stdout.split('\n').filter((line) => line.includes(marker))).toEqual([])
      })
    })
  }
})
