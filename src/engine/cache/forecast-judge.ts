// Forecasts judged by the builds that follow them. Pure: a forecast and a build's step-finished
// events in, the steps where they disagree out. Tests use it on real builds; so can a user who
// wants to know whether the forecast they saw held.

import { describeMissReason, type StepFinishedEvent } from '../../shared/build-events'
import { describeForecast, type BuildForecast } from '../../shared/forecast-api'

/** One step where a build did not do what its forecast said. */
export interface ForecastDisagreement {
  stepId: string
  instruction: string
  forecast: string
  build: string
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * Judges a forecast by the build that followed it, step by step (matched by step id):
 * - `cached` must be cached; `rebuild` must be built, with the same reason when it gave one;
 * - `fail` must fail, `not-run` must not run;
 * - `uncertain` agrees with cached or built: it said it could not know, and which one happened
 *   is counted, not judged; `pull` (a FROM) agrees with any outcome of that FROM.
 * Steps the build has but the forecast lacks (or the reverse) disagree too.
 */
export function judgeForecast(forecast: BuildForecast, finished: readonly StepFinishedEvent[]): ForecastDisagreement[] {
  const built = new Map(finished.map((s) => [s.stepId, s]))
  const out: ForecastDisagreement[] = []
  const buildText = (s: StepFinishedEvent | undefined): string =>
    s === undefined ? 'no such step' : s.reason ? `${s.status}: ${describeMissReason(s.reason)}` : s.status
  const seen = new Set<string>()
  for (const stage of forecast.stages) {
    for (const step of stage.steps) {
      seen.add(step.id)
      const actual = built.get(step.id)
      let agrees: boolean
      switch (step.status) {
        case 'cached':
          agrees = actual?.status === 'cached'
          break
        case 'rebuild':
          agrees = actual?.status === 'built' && (step.reason === undefined || sameJson(step.reason, actual.reason))
          break
        case 'uncertain':
          agrees = actual?.status === 'cached' || actual?.status === 'built'
          break
        case 'pull':
          agrees = actual !== undefined
          break
        case 'fail':
          agrees = actual?.status === 'failed'
          break
        case 'not-run':
          agrees = actual?.status === 'not-run'
          break
      }
      if (!agrees) out.push({ stepId: step.id, instruction: step.instruction, forecast: describeForecast(step), build: buildText(actual) })
    }
  }
  for (const s of finished) {
    if (!seen.has(s.stepId)) out.push({ stepId: s.stepId, instruction: s.instruction, forecast: 'no such step', build: buildText(s) })
  }
  return out
}
