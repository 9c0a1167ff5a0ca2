import { useMemo, useState } from 'react'
import { formatSize } from '../../shared/format'
import type { LayerFileRowChange, LayerFileTable } from '../../shared/layers-api'
import { FileTreeModel, allDirectories, flattenTree, initialExpanded, matchingNodes, modeString, type FlatRow, type SortKey } from './file-tree'
import { VirtualList } from './virtual-list'

const ROW_HEIGHT = 24
const LIST_HEIGHT = 420

const marker: Record<LayerFileRowChange, { letter: string; tone: string; label: string }> = {
  added: { letter: 'A', tone: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200', label: 'added' },
  modified: { letter: 'M', tone: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100', label: 'modified' },
  removed: { letter: 'D', tone: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200', label: 'removed' },
  unchanged: { letter: '', tone: '', label: 'unchanged (holds changes)' },
}

function Row({ model, row, onToggle }: { model: FileTreeModel; row: FlatRow; onToggle: (id: number) => void }) {
  const { id, depth, expanded } = row
  const isDir = model.isDir(id)
  const kind = model.kind(id)
  const change = kind.change
  const m = marker[change]
  const path = model.path(id)
  const linkTarget = model.linkTarget(id)
  // The directory's own change has its marker: the counts are of what lies below it.
  const below = (k: 'added' | 'modified' | 'removed'): number => (model[k][id] ?? 0) - (change === k ? 1 : 0)
  return (
    <div
      className={`flex h-full items-center gap-2 px-2 text-xs hover:bg-zinc-50 dark:hover:bg-zinc-800/60 ${change === 'removed' ? 'text-zinc-400 line-through' : ''}`}
      data-testid="file-row"
      data-path={path}
      data-change={change}
    >
      <span
        className={`inline-flex size-4 shrink-0 items-center justify-center rounded text-[10px] font-bold no-underline ${m.tone}`}
        title={m.label}
        data-testid="file-change"
      >
        {m.letter}
      </span>
      <span className="hidden w-20 shrink-0 font-mono text-[11px] text-zinc-400 sm:inline">{change !== 'unchanged' ? modeString(kind.type, kind.mode) : ''}</span>
      <span className="flex min-w-0 flex-1 items-center" style={{ paddingLeft: depth * 14 }}>
        {isDir ? (
          <button
            type="button"
            className="mr-1 w-4 shrink-0 text-zinc-400 hover:text-zinc-700 dark:hover:text-zinc-200"
            aria-label={`${expanded ? 'Collapse' : 'Expand'} ${path}`}
            aria-expanded={expanded}
            onClick={() => onToggle(id)}
          >
            {expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span className="mr-1 w-4 shrink-0" />
        )}
        <span className={`truncate font-mono ${isDir ? 'font-semibold' : ''}`} data-testid="file-name">
          {model.name(id)}
          {isDir ? '/' : ''}
        </span>
        {linkTarget !== undefined && <span className="ml-1 truncate font-mono text-zinc-400">→ {linkTarget}</span>}
      </span>
      {isDir && (
        <span className="shrink-0 text-[11px] text-zinc-400" title="added · modified · removed below">
          {below('added') > 0 && <span className="text-emerald-600 dark:text-emerald-400">+{below('added')} </span>}
          {below('modified') > 0 && <span className="text-amber-600 dark:text-amber-400">~{below('modified')} </span>}
          {below('removed') > 0 && <span className="text-red-600 dark:text-red-400">−{below('removed')}</span>}
        </span>
      )}
      <span className="w-20 shrink-0 text-right tabular-nums" data-testid="file-size">
        {change === 'removed' ? formatSize(model.removedSize[id] ?? 0) : isDir || kind.type === 'file' ? formatSize(model.size[id] ?? 0) : ''}
      </span>
    </div>
  )
}

/** One layer's changed files as a tree: filter by name, sort by name or size, virtualised. */
export function FileTreeView({ tree, initialFilter = '' }: { tree: LayerFileTable; initialFilter?: string }) {
  const model = useMemo(() => new FileTreeModel(tree), [tree])
  const [expanded, setExpanded] = useState<Set<number>>(() => initialExpanded(model))
  const [sort, setSort] = useState<SortKey>('name')
  const [filter, setFilter] = useState(initialFilter)
  const matches = useMemo(() => matchingNodes(model, filter), [model, filter])
  const rows = useMemo(() => flattenTree(model, { expanded, sort, ...(matches ? { matches } : {}) }), [model, expanded, sort, matches])
  const root = model.root
  const toggle = (id: number): void => {
    const next = new Set(expanded)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setExpanded(next)
  }
  return (
    <div className="flex flex-col gap-2" data-testid="layer-files" data-layer={tree.index}>
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <input
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="Filter by name"
          aria-label="Filter files by name"
          className="h-7 w-56 rounded-md border border-zinc-300 bg-white px-2 text-xs dark:border-zinc-700 dark:bg-zinc-900"
          data-testid="file-filter"
        />
        <label className="flex items-center gap-1 text-zinc-500">
          Sort
          <select
            value={sort}
            onChange={(e) => setSort(e.target.value === 'size' ? 'size' : 'name')}
            className="h-7 rounded-md border border-zinc-300 bg-white px-1 text-xs dark:border-zinc-700 dark:bg-zinc-900"
            data-testid="file-sort"
          >
            <option value="name">by name</option>
            <option value="size">by size</option>
          </select>
        </label>
        <button type="button" className="text-sky-700 hover:underline dark:text-sky-400" onClick={() => setExpanded(allDirectories(model))}>
          Expand all
        </button>
        <button type="button" className="text-sky-700 hover:underline dark:text-sky-400" onClick={() => setExpanded(new Set())}>
          Collapse all
        </button>
        <span className="ml-auto text-zinc-500" data-testid="file-summary">
          <span className="text-emerald-700 dark:text-emerald-400">{model.added[root]} added</span> ·{' '}
          <span className="text-amber-700 dark:text-amber-400">{model.modified[root]} modified</span> ·{' '}
          <span className="text-red-700 dark:text-red-400">{model.removed[root]} removed</span> · {formatSize(model.size[root] ?? 0)} written
          {(model.removedSize[root] ?? 0) > 0 ? `, ${formatSize(model.removedSize[root] ?? 0)} removed` : ''}
        </span>
      </div>
      <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        {rows.length === 0 ? (
          <p className="flex h-24 items-center justify-center text-sm text-zinc-500" data-testid="file-empty">
            {filter ? `No changed path matches “${filter}”.` : 'This layer changes no files.'}
          </p>
        ) : (
          <VirtualList
            count={rows.length}
            rowHeight={ROW_HEIGHT}
            height={Math.min(LIST_HEIGHT, rows.length * ROW_HEIGHT + 2)}
            resetKey={`${tree.index}|${filter}|${sort}`}
            renderRow={(i) => {
              const row = rows[i]
              return row ? <Row model={model} row={row} onToggle={toggle} /> : null
            }}
            data-testid="file-list"
            aria-label={`files of layer ${tree.index}`}
          />
        )}
      </div>
    </div>
  )
}
