import { Fragment, useState } from 'react'
import type { CompareRow, CompareView } from '../../shared/compare-api'
import { formatSize } from '../../shared/format'
import { CompareFileList } from './compare-files'
import { compareRowInstruction as instructionText } from '../../shared/compare-api'
import { formatSizeDelta as signedSize } from '../../shared/format'
import { fileTally, statusLabel, statusTone } from './compare-model'

function deltaTone(bytes: number): string {
  if (bytes > 0) return 'text-red-700 dark:text-red-400'
  if (bytes < 0) return 'text-emerald-700 dark:text-emerald-400'
  return 'text-zinc-400'
}

function Side({ side }: { side: CompareRow['a'] }) {
  if (!side) return <span className="text-zinc-300 dark:text-zinc-600">—</span>
  return (
    <span className="flex items-center gap-2">
      <span className="w-5 text-right tabular-nums text-zinc-400">{side.index}</span>
      <span className="tabular-nums">{formatSize(side.size)}</span>
      {side.line !== undefined && <span className="rounded bg-zinc-100 px-1 font-mono text-[11px] text-zinc-500 dark:bg-zinc-800">line {side.line}</span>}
    </span>
  )
}

/**
 * The two images side by side, a row per layer pair in image order: A's layer, B's layer, what
 * happened between them and the size change. A pair that differs opens to its files.
 */
export function CompareTable({ view }: { view: CompareView }) {
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set(view.rows.flatMap((r, i) => (r.status === 'changed' ? [i] : []))))
  const toggle = (i: number): void => {
    const next = new Set(open)
    if (next.has(i)) next.delete(i)
    else next.add(i)
    setOpen(next)
  }
  return (
    <table className="w-full table-fixed text-sm" data-testid="compare-table">
      <colgroup>
        <col className="w-40" />
        <col className="w-40" />
        <col />
        <col className="w-24" />
        <col className="w-24" />
      </colgroup>
      <thead>
        <tr className="h-7 text-left text-[11px] font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
          <th className="px-3 font-medium">A layer</th>
          <th className="px-3 font-medium">B layer</th>
          <th className="px-3 font-medium">instruction</th>
          <th className="px-3 text-center font-medium">pair</th>
          <th className="px-3 text-right font-medium">delta</th>
        </tr>
      </thead>
      <tbody>
        {view.rows.map((row, i) => {
          const expandable = row.files !== undefined
          const expanded = expandable && open.has(i)
          return (
            <Fragment key={i}>
              <tr
                data-testid="compare-row"
                data-status={row.status}
                data-a={row.a?.index}
                data-b={row.b?.index}
                aria-expanded={expandable ? expanded : undefined}
                tabIndex={expandable ? 0 : undefined}
                className={`h-9 border-t border-zinc-100 dark:border-zinc-800 ${expandable ? 'cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-800/60' : ''}`}
                onClick={() => expandable && toggle(i)}
                onKeyDown={(e) => {
                  if (expandable && (e.key === 'Enter' || e.key === ' ')) {
                    e.preventDefault()
                    toggle(i)
                  }
                }}
              >
                <td className="px-3">
                  <Side side={row.a} />
                </td>
                <td className="px-3">
                  <Side side={row.b} />
                </td>
                <td className="truncate px-3" title={instructionText(row)}>
                  <span className="font-mono text-xs" data-testid="compare-instruction">
                    {instructionText(row)}
                  </span>
                  {expandable && (
                    <span className="ml-2 text-xs text-zinc-500" data-testid="compare-tally">
                      {fileTally(row)}
                    </span>
                  )}
                </td>
                <td className="px-3 text-center">
                  <span className={`inline-flex h-5 min-w-16 items-center justify-center rounded-full px-2 text-xs font-medium ${statusTone[row.status]}`} data-testid="compare-status">
                    {statusLabel[row.status]}
                    {row.moved ? ' (moved)' : ''}
                  </span>
                </td>
                <td className={`px-3 text-right tabular-nums ${deltaTone(row.sizeDelta)}`} data-testid="compare-delta">
                  {signedSize(row.sizeDelta)}
                </td>
              </tr>
              {expanded && row.files && (
                <tr>
                  <td colSpan={5} className="p-0">
                    <CompareFileList files={row.files} />
                  </td>
                </tr>
              )}
            </Fragment>
          )
        })}
      </tbody>
      <tfoot>
        <tr className="h-9 border-t-2 border-zinc-200 font-medium dark:border-zinc-700">
          <td className="px-3 tabular-nums" data-testid="compare-total-a">
            {formatSize(view.a.totalSize)}
          </td>
          <td className="px-3 tabular-nums" data-testid="compare-total-b">
            {formatSize(view.b.totalSize)}
          </td>
          <td className="px-3 text-xs text-zinc-500">total</td>
          <td />
          <td className={`px-3 text-right tabular-nums ${deltaTone(view.totalDelta)}`} data-testid="compare-total-delta">
            {signedSize(view.totalDelta)}
          </td>
        </tr>
      </tfoot>
    </table>
  )
}
