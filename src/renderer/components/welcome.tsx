import type { ReactNode } from 'react'

interface WelcomeProps {
  recent: string[]
  onOpen: (dir: string) => void
  onForget: (dir: string) => void
  /** Why the last folder did not open, shown above the instructions. */
  problem?: ReactNode
  /** The host's folder dialog, where it has one (the desktop app). */
  onChoose?: (() => void) | undefined
}

/** What the main area says before a project is open: how to start, and the recent projects. */
export function Welcome({ recent, onOpen, onForget, problem, onChoose }: WelcomeProps) {
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-6 pt-16" data-testid="welcome">
      {problem}
      <div>
        <h1 className="text-xl font-semibold">Open a project to build it</h1>
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
          {onChoose ? 'Choose a folder that holds a Dockerfile, or type its full path in the Project field above.' : 'Type the full path of a folder that holds a Dockerfile in the Project field above and press Enter.'} Layerlab lists
          its Dockerfiles and stages; press Build (or Ctrl+Enter) and watch every step: cached or built, why, and how long
          it took.
        </p>
        {onChoose && (
          <button
            type="button"
            onClick={onChoose}
            className="mt-4 h-9 rounded-md bg-sky-600 px-4 text-sm font-semibold text-white hover:bg-sky-700"
            data-testid="welcome-choose-folder"
          >
            Choose a project folder…
          </button>
        )}
      </div>
      {recent.length > 0 && (
        <section aria-labelledby="recent-heading">
          <h2 id="recent-heading" className="mb-2 text-sm font-semibold">
            Recent projects
          </h2>
          <ul className="flex flex-col gap-1" data-testid="recent-projects">
            {recent.map((dir) => (
              <li key={dir} className="flex items-center gap-1">
                <button
                  type="button"
                  onClick={() => onOpen(dir)}
                  className="min-w-0 flex-1 truncate rounded-md px-2 py-1.5 text-left font-mono text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800"
                  title={dir}
                >
                  {dir}
                </button>
                <button
                  type="button"
                  aria-label={`forget ${dir}`}
                  onClick={() => onForget(dir)}
                  className="size-7 shrink-0 rounded text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700 dark:hover:bg-zinc-800"
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}
