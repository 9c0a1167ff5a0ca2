import { formatSize } from '../../shared/format'
import { formatPercent, originLabel, originTone, type LayerRow } from './layer-view-model'

/** A row per layer, bottom-up: what made it, its size and share, the running total, cached or rebuilt. */
export function LayerTable({ rows, selected, onSelect }: { rows: LayerRow[]; selected: number | undefined; onSelect: (index: number) => void }) {
  return (
    <table className="w-full table-fixed text-sm" data-testid="layer-table">
      <colgroup>
        <col className="w-10" />
        <col />
        <col className="w-24" />
        <col className="w-20" />
        <col className="w-24" />
        <col className="w-24" />
      </colgroup>
      <thead>
        <tr className="h-7 text-left text-[11px] font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
          <th className="px-3 text-right font-medium">#</th>
          <th className="px-3 font-medium">instruction</th>
          <th className="px-3 text-right font-medium">size</th>
          <th className="px-3 text-right font-medium">of image</th>
          <th className="px-3 text-right font-medium">cumulative</th>
          <th className="px-3 text-center font-medium">layer</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const index = row.layer.index
          const active = selected === index
          return (
            <tr
              key={index}
              data-testid="layer-row"
              data-layer={index}
              data-origin={row.layer.origin}
              aria-selected={active}
              tabIndex={0}
              className={`h-8 cursor-pointer border-t border-zinc-100 dark:border-zinc-800 ${
                active ? 'bg-sky-50 dark:bg-sky-950/50' : 'hover:bg-zinc-50 dark:hover:bg-zinc-800/60'
              }`}
              onClick={() => onSelect(index)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault()
                  onSelect(index)
                }
              }}
            >
              <td className="px-3 text-right tabular-nums text-zinc-400">{index}</td>
              <td className="truncate px-3" title={row.instruction}>
                {row.line !== undefined && (
                  <span className="mr-2 rounded bg-zinc-100 px-1 font-mono text-[11px] text-zinc-500 dark:bg-zinc-800" data-testid="layer-line">
                    line {row.line}
                  </span>
                )}
                <span className="font-mono text-xs" data-testid="layer-instruction">
                  {row.instruction}
                </span>
              </td>
              <td className="px-3 text-right tabular-nums" data-testid="layer-size">
                {formatSize(row.layer.size)}
              </td>
              <td className="px-3 text-right tabular-nums text-zinc-500" data-testid="layer-percent">
                {formatPercent(row.percent)}
              </td>
              <td className="px-3 text-right tabular-nums text-zinc-500" data-testid="layer-cumulative">
                {formatSize(row.cumulative)}
              </td>
              <td className="px-3 text-center">
                <span className={`inline-flex h-5 w-16 items-center justify-center rounded-full text-xs font-medium ${originTone[row.layer.origin].badge}`} data-testid="layer-origin">
                  {originLabel[row.layer.origin]}
                </span>
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
