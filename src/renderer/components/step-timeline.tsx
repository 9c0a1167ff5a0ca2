import { useMemo } from 'react'
import type { BuildForecast, StepForecast } from '../../shared/forecast-api'
import { buildTotals, type BuildView } from '../build/build-stream'
import type { LogLines } from '../build/log-lines'
import { forecastByStep, forecastSentence } from '../build/forecast-view'
import { useNow } from '../build/use-now'
import { BuildSummary } from './build-summary'
import { StageWaveList } from './stage-wave-list'
import { TransferBar } from './transfer-progress'

/** Before the plan: the base images being pulled (the plan needs their configs), or a wait. */
function Preparing({ view, running }: { view: BuildView; running: boolean }) {
  const pulls = Object.values(view.early ?? {})
  return (
    <div
      className="flex h-24 flex-col items-center justify-center gap-2 overflow-hidden rounded-lg border border-dashed border-zinc-300 px-4 text-sm text-zinc-500 dark:border-zinc-700"
      data-testid="timeline-preparing"
    >
      {pulls.length === 0 ? (
        <p>{running ? 'Planning the build…' : 'No step ran.'}</p>
      ) : (
        pulls.slice(0, 2).map((early) => (
          <div key={early.id} className="flex w-full max-w-xl flex-col gap-1 text-xs" data-testid="early-pull">
            <span className="truncate font-mono">{lastLine(early.logs) ?? `stage ${early.id.split('.')[0]} base image`}</span>
            {early.progress && early.progress.length > 0 && <TransferBar transfers={early.progress} />}
          </div>
        ))
      )}
    </div>
  )
}

function lastLine(logs: LogLines): string | undefined {
  return logs.chunks.at(-1)?.at(-1)?.text
}

/** Every step of one build, grouped by stage (stages that ran at once side by side), live while it runs. */
export function StepTimeline({
  view,
  selectedLine,
  forecast,
}: {
  view: BuildView
  selectedLine?: number | undefined
  /** The next build's forecast: a badge on each row it will rebuild (not while this build runs). */
  forecast?: BuildForecast | undefined
}) {
  const running = view.status === 'running'
  const forecasts = useMemo(() => (running ? new Map<string, StepForecast>() : forecastByStep(forecast, view)), [running, forecast, view])
  const now = useNow(running)
  const totals = useMemo(() => buildTotals(view), [view])
  let longestMs = totals.longestMs
  if (running) {
    for (const step of Object.values(view.steps)) {
      if (step.state === 'running' && step.startedAt !== undefined) longestMs = Math.max(longestMs, now - step.startedAt)
    }
  }
  const error = view.error ?? totals.failed?.error
  const errorLine = error?.location?.start.line ?? totals.failed?.line

  return (
    <div className="flex flex-col gap-3" data-testid="timeline" data-build-id={view.buildId}>
      <BuildSummary view={view} totals={totals} now={now} />
      {/* Always there, so the forecast arriving after a build (or leaving as one starts) never moves the steps. */}
      <p className="h-4 truncate text-xs leading-4 text-amber-800 dark:text-amber-300">
        {!running && forecast && !forecast.error && (
          <span data-testid="forecast-summary" title={forecastSentence(forecast)}>
            {forecastSentence(forecast)} <span className="text-zinc-500 dark:text-zinc-400">(forecast · nothing has run)</span>
          </span>
        )}
      </p>
      {view.status === 'failed' && (
        <div
          role="alert"
          className="flex items-start gap-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
          data-testid="build-error"
        >
          {errorLine !== undefined && (
            <span className="shrink-0 rounded bg-red-600 px-1.5 py-0.5 text-xs font-semibold text-white">line {errorLine}</span>
          )}
          <span className="min-w-0 break-words">
            {error?.message ?? 'The build failed before any step ran; its record keeps no message. Build again to see the error.'}
          </span>
        </div>
      )}
      {view.warnings.length > 0 && (
        <ul className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-2 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950/50 dark:text-amber-100">
          {view.warnings.map((w, i) => (
            <li key={i}>⚠ {w}</li>
          ))}
        </ul>
      )}
      {view.stages.length === 0 ? (
        <Preparing view={view} running={running} />
      ) : (
        <StageWaveList view={view} longestMs={longestMs} now={now} selectedLine={selectedLine} forecasts={forecasts} />
      )}
    </div>
  )
}
