import { useState } from 'react'

interface ProjectBarProps {
  dir?: string | undefined
  opening?: string | undefined
  recent: string[]
  onOpen: (dir: string) => void
  /** Shows the host's native folder dialog; absent where there is none (the browser host). */
  onChoose?: (() => void) | undefined
}

/**
 * The project folder: a path field with the recent projects offered as suggestions, and in the
 * desktop app a button for the native folder dialog (a browser page cannot show one).
 */
export function ProjectBar({ dir, opening, recent, onOpen, onChoose }: ProjectBarProps) {
  const [text, setText] = useState(dir ?? '')
  const [shown, setShown] = useState(dir)
  if (dir !== shown) {
    // A project opened from elsewhere (the recent list): show its path.
    setShown(dir)
    setText(dir ?? '')
  }
  return (
    <form
      className="flex min-w-0 flex-1 items-center gap-2"
      data-testid="project-bar"
      onSubmit={(e) => {
        e.preventDefault()
        onOpen(text)
      }}
    >
      <label htmlFor="project-path" className="shrink-0 text-xs font-medium text-zinc-500">
        Project
      </label>
      <input
        id="project-path"
        className="h-8 min-w-0 flex-1 rounded-md border border-zinc-300 bg-white px-2 font-mono text-xs outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-500/30 dark:border-zinc-700 dark:bg-zinc-900"
        placeholder="/full/path/to/a/folder/with/a/Dockerfile"
        spellCheck={false}
        autoComplete="off"
        list="recent-projects"
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="project-path"
      />
      <datalist id="recent-projects">
        {recent.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      <button
        type="submit"
        disabled={opening !== undefined}
        className="h-8 shrink-0 rounded-md border border-zinc-300 bg-white px-3 text-sm font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
        data-testid="open-project"
      >
        {opening !== undefined ? 'Opening…' : 'Open'}
      </button>
      {onChoose && (
        <button
          type="button"
          disabled={opening !== undefined}
          onClick={onChoose}
          className="h-8 shrink-0 rounded-md bg-sky-600 px-3 text-sm font-medium text-white hover:bg-sky-700 disabled:opacity-60"
          data-testid="choose-folder"
        >
          Choose folder…
        </button>
      )}
    </form>
  )
}
