import { useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { BuildSummary } from '../../shared/project-api'
import { formatStartTime } from '../build/format-duration'
import { ErrorState } from '../components/error-state'
import { CompareTable } from './compare-table'
import { comparableBuilds, defaultPair } from './compare-model'
import { useCompare, type CompareState } from './use-compare'

function buildName(build: BuildSummary): string {
  const tags = build.image?.tags ?? []
  return `${formatStartTime(build.startedAt)}${tags.length > 0 ? ` · ${tags.join(', ')}` : ''} · ${build.id.slice(-8)}`
}

function Picker({ label, testId, builds, value, onChange }: { label: string; testId: string; builds: BuildSummary[]; value: string; onChange: (id: string) => void }) {
  return (
    <label className="flex min-w-0 flex-1 flex-col gap-1 text-xs font-medium text-zinc-500">
      {label}
      <select
        className="h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm font-normal text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      >
        {builds.map((b) => (
          <option key={b.id} value={b.id}>
            {buildName(b)}
          </option>
        ))}
      </select>
    </label>
  )
}

/** Two builds of this project, layer against layer: pick A and B, see what changed and how much. */
export function ComparePanel({ client, builds, shownId }: { client: ApiClient; builds: readonly BuildSummary[]; shownId: string | undefined }) {
  const list = comparableBuilds(builds)
  const [chosen, setChosen] = useState<{ a: string; b: string }>()
  const fallback = defaultPair(builds, shownId)
  const known = (id: string | undefined): boolean => list.some((b) => b.id === id)
  const pair = chosen && known(chosen.a) && known(chosen.b) ? chosen : fallback
  const state = useCompare(client, pair ? { a: { buildId: pair.a }, b: { buildId: pair.b } } : undefined)
  if (!pair) {
    return (
      <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-500 dark:border-zinc-700" data-testid="compare-empty">
        Comparing needs two successful builds of this project. Build, change something, and build again.
      </p>
    )
  }
  return (
    <div className="flex flex-col gap-4" data-testid="compare-panel">
      <div className="flex items-end gap-3">
        <Picker label="A (before)" testId="compare-pick-a" builds={list} value={pair.a} onChange={(a) => setChosen({ ...pair, a })} />
        <button
          type="button"
          className="h-8 rounded-md px-2 text-sm text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          title="Swap A and B"
          onClick={() => setChosen({ a: pair.b, b: pair.a })}
          data-testid="compare-swap"
        >
          ⇄
        </button>
        <Picker label="B (after)" testId="compare-pick-b" builds={list} value={pair.b} onChange={(b) => setChosen({ ...pair, b })} />
      </div>
      <CompareResult state={state} pairKey={`${pair.a}|${pair.b}`} what="these builds" />
    </div>
  )
}

/** A comparison as it loads, fails or arrives; `pairKey` resets the open rows when the pair changes. */
export function CompareResult({ state, pairKey, what }: { state: CompareState; pairKey: string; what: string }) {
  if (state.status === 'idle') return null
  if (state.status === 'loading') return <p className="h-24 text-sm text-zinc-500">Comparing the layers…</p>
  if (state.status === 'error') return <ErrorState title={`Could not compare ${what}`} message={state.message} />
  return (
    <>
      {(!state.view.a.contentHashes || !state.view.b.contentHashes) && (
        <p className="text-xs text-zinc-500">Images in the Docker daemon are compared by file metadata only: an edit that keeps a file’s size may not show.</p>
      )}
      <CompareTable key={pairKey} view={state.view} />
    </>
  )
}
