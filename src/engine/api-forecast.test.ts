import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeForecast, type BuildForecast } from '../shared/forecast-api'
import { dispatch } from '../shared/rpc'
import { createEngineApi, type EngineApi } from './api'

let root: string
let project: string
let api: EngineApi

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-api-forecast-'))
  project = path.join(root, 'project')
  await mkdir(project)
  await writeFile(path.join(project, 'app.txt'), 'v1\n')
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY app.txt /app/app.txt\nLABEL v=1\n')
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { DOCKER_HOST: `unix://${path.join(root, 'no.sock')}` }, dockerPollMs: 3_600_000 })
})

afterEach(async () => {
  await api.close()
  await rm(root, { recursive: true, force: true })
})

const lines = (f: BuildForecast) => f.stages.flatMap((s) => s.steps.map((step) => `${step.location.start.line} ${describeForecast(step)}`))

async function buildOnce(): Promise<void> {
  const done = new Promise<void>((resolve) => {
    const off = api.subscribe((e) => {
      if (e.event === 'buildEvent' && e.payload.type === 'build-finished') {
        off()
        resolve()
      }
    })
  })
  await api.handlers.startBuild({ dir: project })
  await done
}

describe('forecastBuild request', () => {
  it('forecasts the saved file, then the unsaved editor text', async () => {
    expect(lines(await api.handlers.forecastBuild({ dir: project }))).toEqual(['1 will be cached', '2 will rebuild: first build', '3 will be cached'])
    await buildOnce()
    expect(lines(await api.handlers.forecastBuild({ dir: project }))).toEqual(['1 will be cached', '2 will be cached', '3 will be cached'])
    const text = 'FROM scratch\n# moved down a line\nCOPY app.txt /srv/app.txt\nLABEL v=1\n'
    const forecast = await api.handlers.forecastBuild({ dir: project, text })
    expect(lines(forecast)[1]).toBe('3 will rebuild: instruction changed: "COPY app.txt /srv/app.txt" (was "COPY app.txt /app/app.txt")')
    expect(forecast.dockerfile).toBe(path.join(project, 'Dockerfile'))
  })

  it('answers a forecast overtaken by newer text while it waited as cancelled, and the newest one in full', async () => {
    const texts = ['FROM scratch\nLABEL v=1\n', 'FROM scratch\nLABEL v=2\n', 'FROM scratch\nCOPY app.txt /a\n']
    const answers = await Promise.allSettled(texts.map((text) => api.handlers.forecastBuild({ dir: project, text })))
    // The first ran at once; the second waited behind it and was replaced by the third.
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(answers[1]).toMatchObject({ reason: { code: 'cancelled' } })
    const last = answers[2]
    expect(last?.status === 'fulfilled' && lines(last.value)).toEqual(['1 will be cached', '2 will rebuild: first build'])
  })

  it('answers a text that does not parse with its error, and refuses bad arguments', async () => {
    const forecast = await api.handlers.forecastBuild({ dir: project, text: 'FROM scratch\nCOPY\n' })
    expect(forecast.error).toMatchObject({ code: 'parse-error', location: { start: { line: 2 } } })
    for (const args of [{}, { dir: project, text: 5 }, { dir: project, noCache: 'yes' }, { dir: project, extra: 1 }]) {
      expect(await dispatch(api.handlers, 'forecastBuild', args)).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    }
    expect(await dispatch(api.handlers, 'forecastBuild', { dir: project, dockerfile: '../x/Dockerfile' })).toMatchObject({ ok: false, error: { code: 'bad-request' } })
  })
})
