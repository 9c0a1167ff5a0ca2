import type { CompareFileChange, CompareRow, LayerPairStatus } from '../../shared/compare-api'
import { formatSize } from '../../shared/format'
import type { BuildSummary } from '../../shared/project-api'


/** Builds that left an image to compare, newest first (as the history lists them). */
export function comparableBuilds(builds: readonly BuildSummary[]): BuildSummary[] {
  return builds.filter((b) => b.status === 'succeeded' && b.image !== undefined)
}

/**
 * The pair to open with: B is the build being looked at (or the newest), A the one before it —
 * "what did my last edit change" is the question people come with.
 */
export function defaultPair(builds: readonly BuildSummary[], shownId: string | undefined): { a: string; b: string } | undefined {
  const list = comparableBuilds(builds)
  if (list.length < 2) return undefined
  const at = Math.max(0, list.findIndex((b) => b.id === shownId))
  const b = list[at] as BuildSummary
  const a = list[at + 1] ?? list[at - 1]
  return a ? { a: a.id, b: b.id } : undefined
}

export const statusLabel: Record<LayerPairStatus, string> = {
  same: 'same',
  changed: 'changed',
  rebuilt: 'rebuilt',
  added: 'only in B',
  removed: 'only in A',
}

export const statusTone: Record<LayerPairStatus, string> = {
  same: 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300',
  changed: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
  rebuilt: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200',
  added: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  removed: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
}

export const changeMark: Record<CompareFileChange['change'], string> = { added: '+', removed: '−', changed: '~', 'mtime-only': 't' }

/** One line saying how a pair's files differ, e.g. "1 changed · 2 added · 3 mtime-only". */
export function fileTally(row: CompareRow): string {
  const counts = row.files?.counts
  if (!counts) return ''
  const parts: string[] = []
  if (counts.changed) parts.push(`${counts.changed} changed`)
  if (counts.added) parts.push(`${counts.added} added`)
  if (counts.removed) parts.push(`${counts.removed} removed`)
  if (counts.mtimeOnly) parts.push(`${counts.mtimeOnly} mtime-only`)
  return parts.length > 0 ? parts.join(' · ') : 'no file differs'
}

/** What a changed file differs in, for its row: `8B → 1.01kB · content`. */
export function changeDetail(change: CompareFileChange): string {
  const side = change.b ?? change.a
  if (side?.type === 'whiteout') return change.b ? 'B deletes it' : 'A deletes it'
  if (change.change === 'added' || change.change === 'removed') return side?.type === 'file' ? formatSize(side.size) : (side?.type ?? '')
  const parts: string[] = []
  if (change.a && change.b && change.a.size !== change.b.size) parts.push(`${formatSize(change.a.size)} → ${formatSize(change.b.size)}`)
  const what = (change.differences ?? []).filter((d) => d !== 'size')
  if (what.length > 0) parts.push(what.join(', '))
  return parts.join(' · ')
}
