import { describeForecastReason, type BuildForecast, type StepForecast } from '../shared/forecast-api'
import { label } from './progress-plain'

/** What follows `#N` for a step's forecast, in the words BuildKit's plain progress would use. */
function outcome(step: StepForecast): string {
  switch (step.status) {
    case 'cached':
      return 'CACHED'
    case 'rebuild':
      return `WILL REBUILD: ${step.reason ? describeForecastReason(step.reason) : (step.detail ?? '')}`
    case 'uncertain':
      return `MAY REBUILD: ${step.detail ?? ''}`
    case 'pull':
      return `WILL PULL: ${step.detail ?? ''}`
    case 'fail':
      return `WILL FAIL: ${step.detail ?? ''}`
    case 'not-run':
      return 'WILL NOT RUN'
  }
}

/**
 * `layerlab build --dry-run`: the forecast in the shape of BuildKit's plain progress, one vertex
 * per step that makes or names a filesystem, then a one-line summary. Nothing ran.
 */
export function printForecast(forecast: BuildForecast, write: (line: string) => void): void {
  let n = 1
  for (const { steps } of forecast.stages) {
    const shown = steps.filter((s) => s.kind !== 'metadata')
    for (const [i, step] of shown.entries()) {
      write(`#${n} ${label(step, i + 1, shown.length)}`)
      write(`#${n} ${outcome(step)}`)
      write('')
      n++
    }
  }
  for (const warning of forecast.warnings) write(`WARNING: ${warning.line === undefined ? '' : `line ${warning.line}: `}${warning.message}`)
  const layered = forecast.stages.flatMap((s) => s.steps).filter((s) => s.kind !== 'metadata' && s.kind !== 'from')
  const count = (status: StepForecast['status']) => layered.filter((s) => s.status === status).length
  const parts = [`${count('cached')} of ${layered.length} layer steps from cache`, `${count('rebuild')} will rebuild`]
  if (count('uncertain') > 0) parts.push(`${count('uncertain')} may rebuild`)
  if (count('fail') > 0) parts.push('the build will fail')
  write(`Forecast (nothing was run): ${parts.join(', ')} · ${Math.round(forecast.timing.totalMs)} ms`)
}
