import type { BuildSummary } from '../../shared/project-api'
import { formatDuration, formatStartTime } from '../build/format-duration'
import type { HistoryState } from '../build/use-build-history'

const dot: Record<BuildSummary['status'], string> = {
  succeeded: 'bg-emerald-500',
  failed: 'bg-red-500',
  cancelled: 'bg-zinc-400',
  running: 'bg-amber-400',
}

function HistoryItem({ build, selected, onOpen }: { build: BuildSummary; selected: boolean; onOpen: () => void }) {
  const share = build.layerSteps > 0 ? `${build.cachedLayerSteps}/${build.layerSteps} cached` : 'no layers'
  return (
    <li>
      <button
        type="button"
        onClick={onOpen}
        aria-current={selected ? 'true' : undefined}
        data-testid="history-item"
        data-build-id={build.id}
        data-status={build.status}
        className={`grid h-12 w-full grid-cols-[0.5rem_minmax(0,1fr)_auto] items-center gap-x-2 rounded-md px-2 text-left text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800 ${
          selected ? 'bg-sky-50 ring-1 ring-sky-300 dark:bg-sky-950/50 dark:ring-sky-800' : ''
        }`}
      >
        <span className={`size-2 rounded-full ${dot[build.status]}`} title={build.status} />
        <span className="min-w-0">
          <span className="block truncate font-medium tabular-nums">
            {formatStartTime(build.startedAt)} <span className="font-normal text-zinc-500">{build.status}</span>
          </span>
          <span className="block truncate text-zinc-500">
            {build.dockerfile !== 'Dockerfile' ? `${build.dockerfile} · ` : ''}
            {build.backend === 'docker' ? 'Docker · ' : ''}
            {share}
          </span>
        </span>
        <span className="tabular-nums text-zinc-500">{build.durationMs === undefined ? '' : formatDuration(build.durationMs)}</span>
      </button>
    </li>
  )
}

/** This project's past builds, newest first; choosing one shows its timeline. */
export function BuildHistory({ state, selectedId, onOpen }: { state: HistoryState; selectedId?: string | undefined; onOpen: (id: string) => void }) {
  return (
    <section aria-labelledby="history-heading" className="flex flex-col gap-2" data-testid="build-history">
      <h2 id="history-heading" className="text-sm font-semibold">
        History
      </h2>
      {state.status === 'loading' && <p className="h-12 text-xs text-zinc-500">Reading the store…</p>}
      {state.status === 'error' && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          Could not read this project’s builds: {state.message}
        </p>
      )}
      {state.status === 'ready' && state.builds.length === 0 && (
        <p className="text-xs text-zinc-500">No builds of this project yet. Each build you run is kept here, across restarts.</p>
      )}
      {state.status === 'ready' && state.builds.length > 0 && (
        <ol className="flex flex-col gap-0.5">
          {state.builds.map((b) => (
            <HistoryItem key={b.id} build={b} selected={b.id === selectedId} onOpen={() => onOpen(b.id)} />
          ))}
        </ol>
      )}
    </section>
  )
}
