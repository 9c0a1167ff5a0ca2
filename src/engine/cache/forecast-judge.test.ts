import { describe, expect, it } from 'vitest'
import type { MissReason, StepFinishedEvent } from '../../shared/build-events'
import type { BuildForecast, StepForecast } from '../../shared/forecast-api'
import { forecastKeyedStep } from './forecast-step'
import { judgeForecast } from './forecast-judge'

const location = { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } }
const planned = (id: string) => ({ id, stage: { index: 0 }, index: Number(id.slice(2)), kind: 'copy' as const, instruction: `COPY ${id}`, location })
const fc = (id: string, status: StepForecast['status'], reason?: MissReason): StepForecast => ({ ...planned(id), status, ...(reason ? { reason } : {}) })
const done = (id: string, status: StepFinishedEvent['status'], reason?: MissReason): StepFinishedEvent => ({
  type: 'step-finished',
  buildId: 'b',
  stepId: id,
  stage: { index: 0 },
  index: Number(id.slice(2)),
  instruction: `COPY ${id}`,
  location,
  status,
  durationMs: 0,
  ...(reason ? { reason } : {}),
})
const forecast = (steps: StepForecast[]): BuildForecast => ({
  dockerfile: '/D',
  stages: [{ stage: { index: 0 }, base: 'scratch', steps }],
  warnings: [],
  timing: { totalMs: 0, planMs: 0, contextMs: 0, keyMs: 0, filesHashed: 0, filesFromStatCache: 0 },
})
const changed: MissReason = { kind: 'files-changed', changed: ['a'], added: [], removed: [] }

describe('judgeForecast', () => {
  it('agrees when the build caches and rebuilds what was said, for the same reasons', () => {
    const f = forecast([fc('0.1', 'cached'), fc('0.2', 'rebuild', changed), fc('0.3', 'uncertain'), fc('0.4', 'uncertain')])
    expect(judgeForecast(f, [done('0.1', 'cached'), done('0.2', 'built', changed), done('0.3', 'cached'), done('0.4', 'built', changed)])).toEqual([])
  })

  it('names every step where the build did something else, or for another reason', () => {
    const f = forecast([fc('0.1', 'cached'), fc('0.2', 'rebuild', changed), fc('0.3', 'uncertain'), fc('0.4', 'fail')])
    const out = judgeForecast(f, [done('0.1', 'built', { kind: 'first-build' }), done('0.2', 'built', { kind: 'no-cache' }), done('0.3', 'failed'), done('0.5', 'cached')])
    expect(out).toEqual([
      { stepId: '0.1', instruction: 'COPY 0.1', forecast: 'will be cached', build: 'built: first build' },
      { stepId: '0.2', instruction: 'COPY 0.2', forecast: 'will rebuild: a changed', build: 'built: --no-cache' },
      { stepId: '0.3', instruction: 'COPY 0.3', forecast: 'may rebuild: it depends on a step that rebuilds', build: 'failed' },
      { stepId: '0.4', instruction: 'COPY 0.4', forecast: 'will fail: unknown error', build: 'no such step' },
      { stepId: '0.5', instruction: 'COPY 0.5', forecast: 'no such step', build: 'cached' },
    ])
  })
})

describe('forecastKeyedStep', () => {
  const none = new Set<string>()
  it('is cached on a hit, and on a miss that an earlier step of the same build fills', () => {
    expect(forecastKeyedStep({ key: 'k', hit: true }, { noCache: false, volatile: false, writtenBefore: none })).toEqual({ status: 'cached', layerKnown: true })
    expect(forecastKeyedStep({ key: 'k', hit: false, reason: changed }, { noCache: false, volatile: false, writtenBefore: new Set(['k']) })).toEqual({
      status: 'cached',
      layerKnown: false,
    })
  })
  it('rebuilds a miss with its reason; --no-cache and unpinned URLs never read what the build wrote', () => {
    expect(forecastKeyedStep({ key: 'k', hit: false, reason: changed }, { noCache: false, volatile: false, writtenBefore: none })).toEqual({ status: 'rebuild', reason: changed })
    const noCache: MissReason = { kind: 'no-cache' }
    expect(forecastKeyedStep({ key: 'k', hit: false, reason: noCache }, { noCache: true, volatile: false, writtenBefore: new Set(['k']) })).toEqual({ status: 'rebuild', reason: noCache })
  })
})
