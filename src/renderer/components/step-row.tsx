import { memo, useEffect, useRef, useState } from 'react'
import { formatSize } from '../../shared/format'
import type { StepForecast } from '../../shared/forecast-api'
import type { StepView } from '../build/build-stream'
import { formatDuration } from '../build/format-duration'
import { ForecastBadge, forecastReasonText } from './forecast-badge'
import { StepLogs } from './step-logs'
import { StatusBadge, barTone } from './status-badge'
import { TransferBar } from './transfer-progress'

/**
 * The columns every row and the header share, by the width of the stage's column (an
 * `@container`): chevron, line, instruction, status, bar, time, size. A column beside another
 * stage or a narrow window keeps what a row needs (line, instruction, status, time).
 */
export const rowGrid =
  'grid items-center gap-2 grid-cols-[1.25rem_2rem_minmax(0,1fr)_5.5rem_3.5rem] ' +
  '@xl:grid-cols-[1.25rem_2rem_minmax(0,1fr)_5.5rem_minmax(3rem,6rem)_3.5rem_4rem] ' +
  '@3xl:gap-3 @3xl:grid-cols-[1.25rem_2.5rem_minmax(0,1fr)_5.5rem_minmax(4rem,9rem)_4rem_4.5rem]'
/** The bar and size cells: only where {@link rowGrid} has room for them. */
export const wideOnlyCell = 'hidden @xl:block'

interface StepRowProps {
  step: StepView
  /** The longest step's duration in the build: the bars are scaled to it. */
  longestMs: number
  /** Now, while the build runs (for a running step's clock). */
  now: number
  /** The step picked in the editor or here: highlighted and scrolled into view. */
  selected?: boolean
  /** What the next build will do with this step (shown when it will not be a cache hit). */
  forecast?: StepForecast | undefined
}

function elapsed(step: StepView, now: number): number | undefined {
  if (step.state === 'running' && step.startedAt !== undefined) return Math.max(0, now - step.startedAt)
  if (step.state === 'pending' || step.state === 'not-run') return undefined
  return step.durationMs
}

/** The line under the instruction: why it was built, what failed, or what it is moving. */
function Detail({ step }: { step: StepView }) {
  if (step.state === 'failed' && step.error) {
    return (
      <span className="truncate font-medium text-red-700 dark:text-red-400" data-testid="step-error" title={step.error.message}>
        {step.error.message}
      </span>
    )
  }
  const moving = step.progress && step.progress.length > 0 ? step.progress : undefined
  const noun = step.kind === 'from' ? 'layer' : 'transfer'
  if (moving && (step.state === 'running' || step.state === 'pending')) return <TransferBar transfers={moving} noun={noun} />
  if (step.state === 'built' && step.reason) {
    return (
      <span className="truncate text-emerald-800 dark:text-emerald-300" data-testid="step-reason" title={step.reason}>
        {step.reason}
      </span>
    )
  }
  // What a finished step moved (the FROM image it pulled), when nothing more telling is there.
  if (moving) return <TransferBar transfers={moving} noun={noun} />
  return null
}

function rowTone(state: StepView['state'], selected: boolean): string {
  const edge = selected ? 'shadow-[inset_3px_0_0_var(--color-sky-500)]' : ''
  if (state === 'failed') return `${edge} bg-red-50 dark:bg-red-950/40`
  return selected ? `${edge} bg-sky-50 dark:bg-sky-950/40` : ''
}

export const StepRow = memo(function StepRow({ step, longestMs, now, selected = false, forecast }: StepRowProps) {
  const [open, setOpen] = useState(false)
  const rowRef = useRef<HTMLLIElement>(null)
  useEffect(() => {
    if (selected) rowRef.current?.scrollIntoView({ block: 'nearest' })
  }, [selected])
  const ms = elapsed(step, now)
  const width = ms === undefined || longestMs <= 0 ? 0 : Math.min(100, (ms / longestMs) * 100)
  const dim = step.state === 'not-run' || step.state === 'pending'
  const lines = step.logs.size
  return (
    <li
      ref={rowRef}
      className={`border-b border-zinc-100 last:border-b-0 dark:border-zinc-800 ${rowTone(step.state, selected)}`}
      aria-current={selected ? 'step' : undefined}
      data-selected={selected}
      data-testid="step-row"
      data-step-id={step.id}
      data-status={step.state}
    >
      <div className={`${rowGrid} h-7 px-3`}>
        <button
          type="button"
          aria-expanded={open}
          aria-label={open ? 'Hide output' : 'Show output'}
          onClick={() => setOpen((o) => !o)}
          className="flex size-5 items-center justify-center rounded text-zinc-400 hover:bg-zinc-200 hover:text-zinc-700 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
        >
          <span className={`text-[10px] transition-transform ${open ? 'rotate-90' : ''}`}>▶</span>
        </button>
        <span className="text-right text-xs tabular-nums text-zinc-400" title={`line ${step.line}`} data-testid="step-line">
          {step.line}
        </span>
        <span
          className={`truncate font-mono text-[13px] ${dim ? 'text-zinc-400 dark:text-zinc-500' : ''}`}
          title={step.instruction}
          data-testid="step-instruction"
        >
          {step.instruction}
        </span>
        <StatusBadge state={step.state} />
        <span className={`h-2 overflow-hidden rounded-full bg-zinc-100 dark:bg-zinc-800 ${wideOnlyCell}`} aria-hidden="true">
          <span
            className={`block h-full rounded-full ${barTone[step.state]}`}
            style={{ width: `${width}%`, minWidth: ms !== undefined && ms > 0 ? 2 : 0 }}
          />
        </span>
        <span className="text-right text-xs tabular-nums text-zinc-600 dark:text-zinc-300" data-testid="step-duration">
          {ms === undefined ? '' : formatDuration(ms)}
        </span>
        <span
          className={`text-right text-xs tabular-nums text-zinc-500 ${wideOnlyCell}`}
          title={step.layer ? step.layer.diffId : 'no layer'}
          data-testid="step-layer-size"
        >
          {step.layer ? formatSize(step.layer.size) : step.state === 'cached' || step.state === 'built' ? '—' : ''}
        </span>
      </div>
      {/* Always there, so a reason or error arriving never pushes the rows below. */}
      <div className={`-mt-0.5 mb-1 flex h-4 min-w-0 items-start pr-3 text-xs leading-4 pl-[5rem] @3xl:pl-[6rem]`}>
        <Detail step={step} />
        {forecast && forecast.status !== 'cached' && (
          <span className="ml-auto flex min-w-0 items-center gap-1.5 pl-3" data-testid="step-forecast">
            <ForecastBadge step={forecast} />
            <span className="truncate text-amber-800 dark:text-amber-300">{forecastReasonText(forecast)}</span>
          </span>
        )}
        {lines > 0 && !open && (
          <span className="ml-auto shrink-0 pl-3 text-zinc-400">
            {lines.toLocaleString()} line{lines === 1 ? '' : 's'} of output
          </span>
        )}
      </div>
      {open && <StepLogs logs={step.logs} running={step.state === 'running'} />}
    </li>
  )
})
