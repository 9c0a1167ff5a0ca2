import { useMemo } from 'react'
import { buildTotals, type BuildView, type StageView } from '../build/build-stream'
import { useNow } from '../build/use-now'
import { BuildSummary } from './build-summary'
import { StepRow, rowGrid } from './step-row'

function StageGroup({ stage, view, longestMs, now }: { stage: StageView; view: BuildView; longestMs: number; now: number }) {
  return (
    <section
      className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="stage"
      aria-label={`stage ${stage.name ?? stage.index}`}
    >
      <header className="flex h-8 items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-3 text-xs dark:border-zinc-800 dark:bg-zinc-900/60">
        <span className="font-semibold text-zinc-700 dark:text-zinc-200">Stage {stage.index}</span>
        {stage.name && <span className="rounded bg-zinc-200 px-1.5 font-mono dark:bg-zinc-800">{stage.name}</span>}
        {stage.base && <span className="truncate text-zinc-500">from {stage.base}</span>}
      </header>
      <ol>
        {stage.stepIds.map((id) => {
          const step = view.steps[id]
          if (!step) return null
          return <StepRow key={id} step={step} longestMs={longestMs} now={step.state === 'running' ? now : 0} />
        })}
      </ol>
    </section>
  )
}

function ColumnHeads() {
  return (
    <div className={`${rowGrid} h-6 px-3 text-[11px] font-medium uppercase tracking-wide text-zinc-400`} aria-hidden="true">
      <span />
      <span className="text-right">line</span>
      <span>instruction</span>
      <span className="text-center">status</span>
      <span>duration</span>
      <span className="text-right">time</span>
      <span className="text-right">layer</span>
    </div>
  )
}

/** Every step of one build, grouped by stage, live while it runs. */
export function StepTimeline({ view }: { view: BuildView }) {
  const running = view.status === 'running'
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
        <p className="flex h-24 items-center justify-center rounded-lg border border-dashed border-zinc-300 text-sm text-zinc-500 dark:border-zinc-700">
          {running ? 'Planning the build…' : 'No step ran.'}
        </p>
      ) : (
        <div className="flex flex-col gap-1">
          <ColumnHeads />
          <div className="flex flex-col gap-4">
            {view.stages.map((stage) => (
              <StageGroup key={stage.index} stage={stage} view={view} longestMs={longestMs} now={now} />
            ))}
          </div>
        </div>
      )}
    </div>
  )
}
