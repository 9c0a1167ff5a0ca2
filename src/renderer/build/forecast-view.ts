import type { BuildForecast, ForecastStatus, StepForecast } from '../../shared/forecast-api'
import { describeForecast } from '../../shared/forecast-api'
import type { BuildView } from './build-stream'

/** One gutter mark: a line whose step the next build will not take from the cache. */
export interface ForecastMark {
  line: number
  status: Exclude<ForecastStatus, 'cached' | 'not-run'>
  /** Every step on the line, described (`will rebuild: a.txt changed`). */
  title: string
}

const severity: Record<ForecastMark['status'], number> = { fail: 4, rebuild: 3, pull: 2, uncertain: 1 }
const marked = (s: StepForecast): s is StepForecast & { status: ForecastMark['status'] } => s.status in severity

/**
 * The gutter marks of a forecast: only steps that will not come from the cache are marked, so a
 * quiet gutter means "nothing to rebuild". Steps sharing a line (ONBUILD triggers at their FROM)
 * make one mark with the most serious status.
 */
export function forecastMarks(forecast: BuildForecast | undefined): ForecastMark[] {
  const byLine = new Map<number, ForecastMark>()
  for (const step of forecast?.stages.flatMap((s) => s.steps) ?? []) {
    if (!marked(step)) continue
    const line = step.location.start.line
    const text = describeForecast(step)
    const had = byLine.get(line)
    if (!had) byLine.set(line, { line, status: step.status, title: text })
    else byLine.set(line, { line, status: severity[step.status] > severity[had.status] ? step.status : had.status, title: `${had.title}\n${text}` })
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line)
}

/**
 * The forecast of each row of a build's timeline: the step at the same position (id) and of the
 * same kind in the edited Dockerfile, which is also the step the next build compares with that
 * row's record (an edited WORKDIR row reads "will rebuild: instruction changed: …").
 */
export function forecastByStep(forecast: BuildForecast | undefined, view: BuildView): Map<string, StepForecast> {
  const out = new Map<string, StepForecast>()
  for (const step of forecast?.stages.flatMap((s) => s.steps) ?? []) {
    const row = view.steps[step.id]
    if (row && (row.kind === undefined || row.kind === step.kind)) out.set(step.id, step)
  }
  return out
}

export interface ForecastCounts {
  /** Steps that make a layer (RUN, COPY, ADD, WORKDIR). */
  layerSteps: number
  cached: number
  rebuild: number
  uncertain: number
  fails: boolean
}

export function forecastCounts(forecast: BuildForecast): ForecastCounts {
  const layered = forecast.stages.flatMap((s) => s.steps).filter((s) => s.kind !== 'metadata' && s.kind !== 'from')
  return {
    layerSteps: layered.length,
    cached: layered.filter((s) => s.status === 'cached').length,
    rebuild: layered.filter((s) => s.status === 'rebuild').length,
    uncertain: layered.filter((s) => s.status === 'uncertain').length,
    fails: forecast.stages.some((s) => s.steps.some((step) => step.status === 'fail')),
  }
}

/** One sentence for the heading: `Next build: 2 of 4 layer steps will rebuild`. */
export function forecastSentence(forecast: BuildForecast): string {
  if (forecast.error) return `Next build: cannot forecast (${forecast.error.message})`
  const c = forecastCounts(forecast)
  if (c.fails) return 'Next build: will fail (see the marked step)'
  if (c.layerSteps === 0) return 'Next build: no layer steps'
  if (c.rebuild === 0 && c.uncertain === 0) return `Next build: all ${c.layerSteps} layer steps from cache`
  const parts = [`${c.rebuild} of ${c.layerSteps} layer steps will rebuild`]
  if (c.uncertain > 0) parts.push(`${c.uncertain} may rebuild`)
  return `Next build: ${parts.join(', ')}`
}
