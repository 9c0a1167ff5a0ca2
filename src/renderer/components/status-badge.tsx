import type { StepState } from '../build/build-stream'

const styles: Record<StepState, { label: string; tone: string }> = {
  pending: { label: 'waiting', tone: 'border border-zinc-200 text-zinc-400 dark:border-zinc-700 dark:text-zinc-500' },
  running: { label: 'running', tone: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100' },
  cached: { label: 'cached', tone: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100' },
  built: { label: 'built', tone: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100' },
  failed: { label: 'failed', tone: 'bg-red-600 text-white dark:bg-red-700' },
  'not-run': { label: 'not run', tone: 'border border-dashed border-zinc-300 text-zinc-500 dark:border-zinc-600 dark:text-zinc-400' },
}

export function Spinner({ className = '' }: { className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={`inline-block size-3 shrink-0 animate-spin rounded-full border-2 border-current border-r-transparent ${className}`}
    />
  )
}

/** A step's state as a fixed-width pill, so rows never shift when it changes. */
export function StatusBadge({ state }: { state: StepState }) {
  const { label, tone } = styles[state]
  return (
    <span
      data-testid="step-status"
      className={`inline-flex h-5 w-[5.5rem] items-center justify-center gap-1.5 rounded-full text-xs font-medium ${tone}`}
    >
      {state === 'running' && <Spinner />}
      {label}
    </span>
  )
}

/** The bar colour of each state, for the duration bars. */
export const barTone: Record<StepState, string> = {
  pending: 'bg-zinc-200 dark:bg-zinc-700',
  running: 'bg-amber-400 dark:bg-amber-500',
  cached: 'bg-sky-400 dark:bg-sky-500',
  built: 'bg-emerald-500 dark:bg-emerald-500',
  failed: 'bg-red-500 dark:bg-red-500',
  'not-run': 'bg-zinc-200 dark:bg-zinc-700',
}
