import { useState } from 'react'
import { formatSize } from '../../shared/format'
import { formatPercent, originLabel, originTone, type LayerRow } from './layer-view-model'

/** The image as one bar, a segment per layer in proportion to its size, bottom layer first. */
export function LayerBar({ rows, selected, onSelect }: { rows: LayerRow[]; selected: number | undefined; onSelect: (index: number) => void }) {
  const [hovered, setHovered] = useState<number>()
  const shown = rows[hovered ?? selected ?? -1]
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex h-6 w-full overflow-hidden rounded-md bg-zinc-100 dark:bg-zinc-800" data-testid="layer-bar" onMouseLeave={() => setHovered(undefined)}>
        {rows.map((row) => {
          const index = row.layer.index
          return (
            <button
              key={index}
              type="button"
              data-testid="layer-segment"
              data-layer={index}
              data-origin={row.layer.origin}
              aria-label={`layer ${index}: ${formatSize(row.layer.size)}, ${row.instruction}`}
              title={`${formatSize(row.layer.size)} · ${row.instruction}`}
              className={`h-full min-w-[3px] border-r border-white/70 last:border-r-0 dark:border-zinc-900/70 ${originTone[row.layer.origin].bar} ${
                selected === index ? 'ring-2 ring-inset ring-zinc-900 dark:ring-white' : ''
              } ${hovered === index ? 'brightness-110' : ''}`}
              style={{ width: `${row.percent}%` }}
              onMouseEnter={() => setHovered(index)}
              onFocus={() => setHovered(index)}
              onBlur={() => setHovered(undefined)}
              onClick={() => onSelect(index)}
            />
          )
        })}
      </div>
      <p className="h-4 truncate text-xs text-zinc-500" data-testid="layer-bar-caption">
        {shown ? (
          <>
            <span className="font-medium text-zinc-700 dark:text-zinc-200">Layer {shown.layer.index}</span> · {formatSize(shown.layer.size)} (
            {formatPercent(shown.percent)}) · {originLabel[shown.layer.origin]} · <span className="font-mono">{shown.instruction}</span>
          </>
        ) : (
          'Hover a segment to see its layer; click one to open its files.'
        )}
      </p>
    </div>
  )
}
