import { describe, expect, it } from 'vitest'
import type { BuildForecast, StepForecast } from '../../shared/forecast-api'
import type { BuildView, StepView } from './build-stream'
import { forecastByStep, forecastMarks, forecastSentence } from './forecast-view'

const step = (id: string, line: number, kind: StepForecast['kind'], instruction: string, rest: Partial<StepForecast>): StepForecast => ({
  id,
  stage: { index: 0 },
  index: Number(id.split('.')[1]),
  kind,
  instruction,
  location: { start: { line, column: 1 }, end: { line, column: instruction.length + 1 } },
  status: 'cached',
  ...rest,
})

const forecast = (steps: StepForecast[]): BuildForecast => ({
  dockerfile: '/p/Dockerfile',
  stages: [{ stage: { index: 0 }, base: 'scratch', steps }],
  warnings: [],
  timing: { totalMs: 1, planMs: 0, contextMs: 0, keyMs: 0, filesHashed: 0, filesFromStatCache: 0 },
})

describe('forecast marks', () => {
  it('marks only steps that will not come from the cache, with the reason', () => {
    const f = forecast([
      step('0.0', 1, 'from', 'FROM scratch', {}),
      step('0.1', 2, 'copy', 'COPY a /a', { status: 'rebuild', reason: { kind: 'files-changed', changed: ['a'], added: [], removed: [] } }),
      step('0.2', 3, 'metadata', 'ENV X=1', {}),
      step('0.3', 4, 'copy', 'COPY --from=x /b /b', { status: 'uncertain', detail: 'stage x rebuilds' }),
    ])
    expect(forecastMarks(f)).toEqual([
      { line: 2, status: 'rebuild', title: 'will rebuild: a changed' },
      { line: 4, status: 'uncertain', title: 'may rebuild: stage x rebuilds' },
    ])
    expect(forecastSentence(f)).toBe('Next build: 1 of 2 layer steps will rebuild, 1 may rebuild')
  })

  it('joins steps on one line and keeps the most serious status', () => {
    const f = forecast([
      step('0.0', 1, 'from', 'FROM base', { status: 'pull', detail: 'image base is not in the store' }),
      step('0.1', 1, 'copy', 'ONBUILD COPY a /a', { status: 'fail', detail: 'a: not found' }),
    ])
    expect(forecastMarks(f)).toEqual([{ line: 1, status: 'fail', title: 'will pull: image base is not in the store\nwill fail: a: not found' }])
    expect(forecastSentence(f)).toBe('Next build: will fail (see the marked step)')
  })

  it('is quiet when everything is cached', () => {
    const f = forecast([step('0.0', 1, 'from', 'FROM scratch', {}), step('0.1', 2, 'copy', 'COPY a /a', {})])
    expect(forecastMarks(f)).toEqual([])
    expect(forecastSentence(f)).toBe('Next build: all 1 layer steps from cache')
  })
})

describe('forecastByStep', () => {
  it('gives each row of the last build the forecast of the step at its position, when it is of the same kind', () => {
    const row = (id: string, kind: StepView['kind'], instruction: string) => ({ id, kind, instruction }) as StepView
    const view = { steps: { '0.1': row('0.1', 'workdir', 'WORKDIR /www'), '0.2': row('0.2', 'copy', 'COPY a /a') } } as unknown as BuildView
    const f = forecast([
      step('0.1', 2, 'workdir', 'WORKDIR /srv', { status: 'rebuild', reason: { kind: 'instruction-changed', was: 'WORKDIR /www', now: 'WORKDIR /srv' } }),
      step('0.2', 3, 'run', 'RUN make', { status: 'rebuild', reason: { kind: 'first-build' } }),
    ])
    expect([...forecastByStep(f, view).keys()]).toEqual(['0.1'])
  })
})
