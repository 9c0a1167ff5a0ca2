import { memo, useState } from 'react'
import { formatSize } from '../../shared/format'
import type { StepView } from '../build/build-stream'
import { formatDuration } from '../build/format-duration'
import { StepLogs } from './step-logs'
import { StatusBadge, barTone } from './status-badge'

/** The columns every row and the header share: chevron, line, instruction, status, bar, time, size. */
export const rowGrid = 'grid grid-cols-[1.25rem_2.5rem_minmax(0,1fr)_5.5rem_minmax(4rem,9rem)_4rem_4.5rem] items-center gap-3'

interface StepRowProps {
  step: StepView
  /** The longest step's duration in the build: the bars are scaled to it. */
  longestMs: number
  /** Now, while the build runs (for a running step's clock). */
  now: number
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
  if (step.state === 'running' && step.progress) {
    const { label, current, total } = step.progress
    const percent = total ? Math.min(100, (current / total) * 100) : undefined
    return (
      <span className="flex min-w-0 items-center gap-2 text-zinc-600 dark:text-zinc-300">
        <span className="truncate">{label}</span>
        <span className="h-1.5 w-32 shrink-0 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-700">
          {percent !== undefined && <span className="block h-full bg-amber-400" style={{ width: `${percent}%` }} />}
        </span>
        <span className="shrink-0 tabular-nums">
          {formatSize(current)}
          {total ? ` / ${formatSize(total)}` : ''}
        </span>
      </span>
    )
  }
  if (step.state === 'built' && step.reason) {
    return (
      <span className="truncate text-emerald-800 dark:text-emerald-300" data-testid="step-reason" title={step.reason}>
        {step.reason}
      </span>
    )
  }
  return null
}

export const StepRow = memo(function StepRow({ step, longestMs, now }: StepRowProps) {
  const [open, setOpen] = useState(false)
  const ms = elapsed(step, now)
  const width = ms === undefined || longestMs <= 0 ? 0 : Math.min(100, (ms / longestMs) * 100)
  const dim = step.state === 'not-run' || step.state === 'pending'
  const lines = step.logs.size
  return (
    <li
      className={`border-b border-zinc-100 last:border-b-0 dark:border-zinc-800 ${step.state === 'failed' ? 'bg-red-50 dark:bg-red-950/40' : ''}`}
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
        <span className="h-2 overflow-hidden rounded-full bg-zinc-100 dark:bg-zinc-800" aria-hidden="true">
          <span
            className={`block h-full rounded-full ${barTone[step.state]}`}
            style={{ width: `${width}%`, minWidth: ms !== undefined && ms > 0 ? 2 : 0 }}
          />
        </span>
        <span className="text-right text-xs tabular-nums text-zinc-600 dark:text-zinc-300" data-testid="step-duration">
          {ms === undefined ? '' : formatDuration(ms)}
        </span>
        <span className="text-right text-xs tabular-nums text-zinc-500" title={step.layer ? step.layer.diffId : 'no layer'}>
          {step.layer ? formatSize(step.layer.size) : step.state === 'cached' || step.state === 'built' ? '—' : ''}
        </span>
      </div>
      {/* Always there, so a reason or error arriving never pushes the rows below. */}
      <div className="-mt-0.5 mb-1 flex h-4 min-w-0 items-start pr-3 pl-[6rem] text-xs leading-4">
        <Detail step={step} />
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
