import type { BuildTotals, BuildView } from '../build/build-stream'
import { formatDuration } from '../build/format-duration'
import { Spinner } from './status-badge'

function cacheShare(totals: BuildTotals): string {
  const { layerSteps, cachedLayerSteps, cachedPercent } = totals
  if (layerSteps === 0) return 'no layer steps'
  if (cachedLayerSteps === layerSteps) return `all ${layerSteps} layer step${layerSteps === 1 ? '' : 's'} from cache (100%)`
  return `${cachedLayerSteps} of ${layerSteps} layer steps from cache (${cachedPercent ?? 0}%)`
}

/** One line for the whole build: how it ended, how long it took, how much the cache gave. */
export function BuildSummary({ view, totals, now }: { view: BuildView; totals: BuildTotals; now: number }) {
  const total = view.status === 'running' ? Math.max(0, now - view.startedAt) : (view.durationMs ?? 0)
  const failedLine = totals.failed?.line ?? view.error?.location?.start.line
  const headline =
    view.status === 'running' ? (
      <span className="flex items-center gap-2 text-amber-700 dark:text-amber-300">
        <Spinner />
        Building · step {Math.min(totals.finishedSteps + 1, Math.max(totals.totalSteps, 1))} of {totals.totalSteps || '…'}
      </span>
    ) : view.status === 'succeeded' ? (
      <span className="text-emerald-700 dark:text-emerald-400">✓ Built</span>
    ) : view.status === 'cancelled' ? (
      <span className="text-zinc-600 dark:text-zinc-300">Cancelled</span>
    ) : (
      <span className="text-red-700 dark:text-red-400">✗ Failed{failedLine ? ` at line ${failedLine}` : ''}</span>
    )

  return (
    <div className="flex h-8 items-center gap-3 text-sm" data-testid="build-summary" data-status={view.status} data-backend={view.backend}>
      <span className="font-semibold">{headline}</span>
      {view.backend && (
        <span className="rounded bg-zinc-200 px-1.5 py-px text-[11px] font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300" data-testid="build-backend">
          {view.backend === 'docker' ? 'Docker' : 'Layerlab engine'}
        </span>
      )}
      <span className="text-zinc-400">·</span>
      <span className="tabular-nums" data-testid="build-total-time">
        {formatDuration(total)}
      </span>
      {view.status !== 'running' && (
        <>
          <span className="text-zinc-400">·</span>
          <span data-testid="build-cache-share">{cacheShare(totals)}</span>
        </>
      )}
      {view.image && (
        <span className="ml-auto truncate font-mono text-xs text-zinc-500" title={view.image.digest}>
          {view.image.tags[0] ?? view.image.digest.slice(0, 19)}
        </span>
      )}
    </div>
  )
}
