import type { ArgRow } from '../build/build-form'

const input =
  'h-8 min-w-0 rounded-md border border-zinc-300 bg-white px-2 font-mono text-xs outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-500/30 dark:border-zinc-700 dark:bg-zinc-950'

let nextId = 1

/** Build args as key = value rows. */
export function BuildArgsEditor({ rows, onChange, disabled }: { rows: ArgRow[]; onChange: (rows: ArgRow[]) => void; disabled: boolean }) {
  const update = (id: number, patch: Partial<ArgRow>): void => onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)))
  return (
    <fieldset className="flex flex-col gap-1.5" data-testid="build-args" disabled={disabled}>
      <legend className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">Build args</legend>
      {rows.map((row, i) => (
        <div key={row.id} className="grid grid-cols-[minmax(0,1fr)_auto_minmax(0,1fr)_auto] items-center gap-1">
          <input
            className={input}
            aria-label={`build arg ${i + 1} name`}
            placeholder="NAME"
            value={row.key}
            onChange={(e) => update(row.id, { key: e.target.value })}
          />
          <span className="text-xs text-zinc-400">=</span>
          <input
            className={input}
            aria-label={`build arg ${i + 1} value`}
            placeholder="value"
            value={row.value}
            onChange={(e) => update(row.id, { value: e.target.value })}
          />
          <button
            type="button"
            aria-label={`remove build arg ${i + 1}`}
            onClick={() => onChange(rows.filter((r) => r.id !== row.id))}
            className="size-7 rounded text-zinc-400 hover:bg-zinc-200 hover:text-zinc-700 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...rows, { id: nextId++, key: '', value: '' }])}
        className="self-start rounded px-1 text-xs font-medium text-sky-700 hover:underline disabled:text-zinc-400 dark:text-sky-400"
      >
        + Add build arg
      </button>
    </fieldset>
  )
}
