import { useMemo, useState } from 'react'
import { formatSize } from '../../shared/format'
import type { LayerFileTree } from '../../shared/layers-api'
import { allDirectories, buildTree, flattenTree, initialExpanded, matchingNodes, modeString, type FlatRow, type SortKey, type TreeNode } from './file-tree'
import { VirtualList } from './virtual-list'

const ROW_HEIGHT = 24
const LIST_HEIGHT = 420

const marker: Record<TreeNode['change'], { letter: string; tone: string; label: string }> = {
  added: { letter: 'A', tone: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200', label: 'added' },
  modified: { letter: 'M', tone: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100', label: 'modified' },
  removed: { letter: 'D', tone: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200', label: 'removed' },
  unchanged: { letter: '', tone: '', label: 'unchanged (holds changes)' },
}

function Row({ row, onToggle }: { row: FlatRow; onToggle: (path: string) => void }) {
  const { node, depth, expanded } = row
  const isDir = node.children !== undefined
  const m = marker[node.change]
  const entry = node.entry
  // The directory's own change has its marker: the counts are of what lies below it.
  const below = (kind: 'added' | 'modified' | 'removed'): number => node[kind] - (node.change === kind ? 1 : 0)
  return (
    <div
      className={`flex h-full items-center gap-2 px-2 text-xs hover:bg-zinc-50 dark:hover:bg-zinc-800/60 ${node.change === 'removed' ? 'text-zinc-400 line-through' : ''}`}
      data-testid="file-row"
      data-path={node.path}
      data-change={node.change}
    >
      <span
        className={`inline-flex size-4 shrink-0 items-center justify-center rounded text-[10px] font-bold no-underline ${m.tone}`}
        title={m.label}
        data-testid="file-change"
      >
        {m.letter}
      </span>
      <span className="hidden w-20 shrink-0 font-mono text-[11px] text-zinc-400 sm:inline">{entry ? modeString(entry.type, entry.mode) : ''}</span>
      <span className="flex min-w-0 flex-1 items-center" style={{ paddingLeft: depth * 14 }}>
        {isDir ? (
          <button
            type="button"
            className="mr-1 w-4 shrink-0 text-zinc-400 hover:text-zinc-700 dark:hover:text-zinc-200"
            aria-label={`${expanded ? 'Collapse' : 'Expand'} ${node.path}`}
            aria-expanded={expanded}
            onClick={() => onToggle(node.path)}
          >
            {expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span className="mr-1 w-4 shrink-0" />
        )}
        <span className={`truncate font-mono ${isDir ? 'font-semibold' : ''}`} data-testid="file-name">
          {node.name}
          {isDir ? '/' : ''}
        </span>
        {entry?.linkTarget !== undefined && <span className="ml-1 truncate font-mono text-zinc-400">→ {entry.linkTarget}</span>}
      </span>
      {isDir && (
        <span className="shrink-0 text-[11px] text-zinc-400" title="added · modified · removed below">
          {below('added') > 0 && <span className="text-emerald-600 dark:text-emerald-400">+{below('added')} </span>}
          {below('modified') > 0 && <span className="text-amber-600 dark:text-amber-400">~{below('modified')} </span>}
          {below('removed') > 0 && <span className="text-red-600 dark:text-red-400">−{below('removed')}</span>}
        </span>
      )}
      <span className="w-20 shrink-0 text-right tabular-nums" data-testid="file-size">
        {node.change === 'removed' ? formatSize(node.removedSize) : isDir || node.type === 'file' ? formatSize(node.size) : ''}
      </span>
    </div>
  )
}

/** One layer's changed files as a tree: filter by name, sort by name or size, virtualised. */
export function FileTreeView({ tree }: { tree: LayerFileTree }) {
  const root = useMemo(() => buildTree(tree.entries), [tree])
  const [expanded, setExpanded] = useState<Set<string>>(() => initialExpanded(root, tree.entries.length))
  const [sort, setSort] = useState<SortKey>('name')
  const [filter, setFilter] = useState('')
  const matches = useMemo(() => matchingNodes(root, filter), [root, filter])
  const rows = useMemo(() => flattenTree(root, { expanded, sort, ...(matches ? { matches } : {}) }), [root, expanded, sort, matches])
  const toggle = (path: string): void => {
    const next = new Set(expanded)
    if (next.has(path)) next.delete(path)
    else next.add(path)
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
        <button type="button" className="text-sky-700 hover:underline dark:text-sky-400" onClick={() => setExpanded(allDirectories(root))}>
          Expand all
        </button>
        <button type="button" className="text-sky-700 hover:underline dark:text-sky-400" onClick={() => setExpanded(new Set())}>
          Collapse all
        </button>
        <span className="ml-auto text-zinc-500" data-testid="file-summary">
          <span className="text-emerald-700 dark:text-emerald-400">{root.added} added</span> ·{' '}
          <span className="text-amber-700 dark:text-amber-400">{root.modified} modified</span> ·{' '}
          <span className="text-red-700 dark:text-red-400">{root.removed} removed</span> · {formatSize(root.size)} written
          {root.removedSize > 0 ? `, ${formatSize(root.removedSize)} removed` : ''}
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
              return row ? <Row row={row} onToggle={toggle} /> : null
            }}
            data-testid="file-list"
            aria-label={`files of layer ${tree.index}`}
          />
        )}
      </div>
    </div>
  )
}
