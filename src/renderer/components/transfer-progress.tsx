import { formatSize } from '../../shared/format'
import type { TransferProgress } from '../build/build-stream'

export interface TransferTotals {
  current: number
  /** Undefined while any transfer's size is unknown. */
  total?: number
  done: number
  count: number
}

export function transferTotals(transfers: readonly TransferProgress[]): TransferTotals {
  let current = 0
  let total: number | undefined = 0
  let done = 0
  for (const t of transfers) {
    current += t.current
    total = t.total === undefined || total === undefined ? undefined : total + t.total
    if (t.total !== undefined && t.current >= t.total) done++
  }
  return { current, ...(total === undefined ? {} : { total }), done, count: transfers.length }
}

/**
 * Bytes moved by a step on one line: a bar with a segment per layer (as wide as its share of the
 * bytes, filled as far as it got) and the totals. One line whatever the number of layers, so a
 * pull never pushes the rows below it.
 */
export function TransferBar({ transfers, noun = 'layer' }: { transfers: readonly TransferProgress[]; noun?: string }) {
  const totals = transferTotals(transfers)
  const finished = totals.count > 0 && totals.done === totals.count
  return (
    <span
      className="flex min-w-0 items-center gap-2 text-zinc-600 dark:text-zinc-300"
      data-testid="transfer-progress"
      data-current={totals.current}
      data-total={totals.total}
      data-done={totals.done}
      data-count={totals.count}
    >
      <span
        className="flex h-1.5 w-40 shrink-0 gap-px overflow-hidden rounded bg-zinc-200 dark:bg-zinc-700"
        role="progressbar"
        aria-label={`${noun}s transferred`}
        aria-valuemin={0}
        aria-valuemax={totals.total}
        aria-valuenow={totals.current}
      >
        {transfers.map((t) => (
          <span
            key={t.label}
            className="h-full min-w-1 bg-zinc-300 dark:bg-zinc-600"
            style={{ flexGrow: Math.max(1, t.total ?? 1) }}
            title={`${t.label}: ${formatSize(t.current)}${t.total === undefined ? '' : ` of ${formatSize(t.total)}`}`}
            data-testid="transfer-segment"
          >
            <span
              className={`block h-full ${t.total !== undefined && t.current >= t.total ? 'bg-emerald-500' : 'bg-amber-400'}`}
              style={{ width: t.total ? `${Math.min(100, (t.current / t.total) * 100)}%` : '0%' }}
            />
          </span>
        ))}
      </span>
      <span className="shrink-0 tabular-nums" data-testid="transfer-bytes">
        {formatSize(totals.current)}
        {totals.total === undefined ? '' : ` / ${formatSize(totals.total)}`}
      </span>
      <span className="truncate text-zinc-400">
        {finished ? `${totals.count} ${noun}${totals.count === 1 ? '' : 's'}` : `${totals.done} of ${totals.count} ${noun}s`}
      </span>
    </span>
  )
}
