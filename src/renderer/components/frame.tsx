import type { ReactNode } from 'react'

/** The window: a header bar (the app's name, then `toolbar`) over the main area. */
export function Frame({ toolbar, children }: { toolbar?: ReactNode; children: ReactNode }) {
  return (
    <div className="flex h-full flex-col bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <header
        className="flex h-12 shrink-0 items-center gap-4 border-b border-zinc-200 bg-white px-4 dark:border-zinc-800 dark:bg-zinc-900"
        data-testid="app-header"
      >
        <span className="shrink-0 font-semibold tracking-tight">Layerlab</span>
        {toolbar ?? <span className="text-sm text-zinc-500">build container images and see how they are made</span>}
      </header>
      <main className="min-h-0 flex-1" data-testid="app-main">
        {children}
      </main>
    </div>
  )
}
