import type { BuildForecast } from '../../shared/forecast-api'
import { forecastSentence } from '../build/forecast-view'
import { ForecastBadge, forecastReasonText } from './forecast-badge'

/**
 * The next build's steps before any build of the project (or of this Dockerfile) exists: each
 * step with what the cache will do with it and why. Nothing here has run.
 */
export function ForecastList({ forecast }: { forecast: BuildForecast }) {
  return (
    <section
      className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="forecast-list"
      aria-label="forecast of the next build"
    >
      <header className="flex h-8 items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-3 text-xs dark:border-zinc-800 dark:bg-zinc-900/60">
        <span className="font-semibold text-zinc-700 dark:text-zinc-200" data-testid="forecast-summary">
          {forecastSentence(forecast)}
        </span>
        <span className="ml-auto text-zinc-400">forecast · nothing has run</span>
      </header>
      <ol>
        {forecast.stages.flatMap((stage) =>
          stage.steps.map((step) => {
            const reason = forecastReasonText(step)
            return (
              <li
                key={step.id}
                className="grid grid-cols-[2.5rem_minmax(0,1fr)_6rem] items-center gap-3 border-b border-zinc-100 px-3 py-1 last:border-b-0 dark:border-zinc-800"
                data-testid="forecast-row"
                data-step-id={step.id}
                data-status={step.status}
              >
                <span className="text-right text-xs tabular-nums text-zinc-400">{step.location.start.line}</span>
                <span className="min-w-0">
                  <span className="block truncate font-mono text-[13px]" title={step.instruction}>
                    {step.instruction}
                  </span>
                  {reason && (
                    <span className="block truncate text-xs text-amber-800 dark:text-amber-300" data-testid="forecast-reason" title={reason}>
                      {reason}
                    </span>
                  )}
                </span>
                <span className="flex justify-center">
                  <ForecastBadge step={step} />
                </span>
              </li>
            )
          }),
        )}
      </ol>
    </section>
  )
}
