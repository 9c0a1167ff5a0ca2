import { useState } from 'react'
import type { CompareFiles } from '../../shared/compare-api'
import { formatSizeDelta as signedSize } from '../../shared/format'
import { changeDetail, changeMark } from './compare-model'

const markTone = {
  added: 'text-emerald-700 dark:text-emerald-400',
  removed: 'text-red-700 dark:text-red-400',
  changed: 'text-amber-700 dark:text-amber-400',
  'mtime-only': 'text-zinc-400',
} as const

/**
 * One layer pair's file differences. Paths whose only difference is the mtime are hidden until
 * asked for: after a rebuild there can be thousands, and they say "rebuilt", not "different".
 */
export function CompareFileList({ files }: { files: CompareFiles }) {
  const [showMtime, setShowMtime] = useState(false)
  const shown = files.entries.filter((e) => showMtime || e.change !== 'mtime-only')
  const { counts } = files
  const hiddenMtime = showMtime ? 0 : counts.mtimeOnly
  // Past the limit the engine sends counts only; mtime-only paths sort last, so they go first.
  const rest = showMtime ? files.more : counts.changed + counts.added + counts.removed - shown.length
  return (
    <div className="border-t border-zinc-100 bg-zinc-50/60 px-4 py-2 dark:border-zinc-800 dark:bg-zinc-900/60" data-testid="compare-files">
      <div className="mb-1 flex items-center gap-3 text-xs text-zinc-500">
        <span>file data {signedSize(files.sizeDelta)}</span>
        {counts.mtimeOnly > 0 && (
          <label className="ml-auto flex items-center gap-1">
            <input type="checkbox" checked={showMtime} onChange={(e) => setShowMtime(e.target.checked)} data-testid="compare-show-mtime" />
            show {counts.mtimeOnly} with only a new mtime
          </label>
        )}
      </div>
      {shown.length === 0 ? (
        <p className="py-1 text-xs text-zinc-500" data-testid="compare-files-empty">
          {hiddenMtime > 0 ? 'Only mtimes differ: the step ran again and made the same files.' : 'No file differs (the layers differ only in how the tar was written).'}
        </p>
      ) : (
        <ul className="font-mono text-xs">
          {shown.map((change) => (
            <li key={`${change.change}:${change.path}`} className="flex h-6 items-center gap-2" data-testid="compare-file" data-path={change.path} data-change={change.change}>
              <span className={`w-3 text-center font-semibold ${markTone[change.change]}`} aria-label={change.change}>
                {changeMark[change.change]}
              </span>
              <span className="min-w-0 truncate" title={change.path}>
                {change.path}
                {(change.b ?? change.a)?.type === 'dir' ? '/' : ''}
              </span>
              <span className="ml-auto shrink-0 text-zinc-500" data-testid="compare-file-detail">
                {changeDetail(change)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {rest > 0 && (
        <p className="pt-1 text-xs text-zinc-500" data-testid="compare-files-more">
          … and {rest} more
        </p>
      )}
    </div>
  )
}
