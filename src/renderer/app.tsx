import type { EngineConnection } from './api/connect'
import { EngineInfoPanel } from './components/engine-info-panel'
import { ErrorState } from './components/error-state'
import { useEngineInfo } from './api/use-engine-info'
import type { ApiClient } from '../shared/contract'

export function App({ connection }: { connection: EngineConnection }) {
  return (
    <div className="flex h-full flex-col bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <header
        className="flex h-12 shrink-0 items-center gap-3 border-b border-zinc-200 px-4 dark:border-zinc-800"
        data-testid="app-header"
      >
        <span className="font-semibold tracking-tight">Layerlab</span>
        <span className="text-sm text-zinc-500">build container images and see how they are made</span>
      </header>
      <main className="min-h-0 flex-1 overflow-auto p-6" data-testid="app-main">
        {connection.ok ? (
          <Connected client={connection.client} />
        ) : (
          <ErrorState title="Not connected to the engine" message={connection.message} />
        )}
      </main>
    </div>
  )
}

function Connected({ client }: { client: ApiClient }) {
  const state = useEngineInfo(client)
  if (state.status === 'loading') {
    return <p className="text-sm text-zinc-500">Asking the engine…</p>
  }
  if (state.status === 'error') {
    return <ErrorState title="The engine did not answer" message={state.error.message} />
  }
  return <EngineInfoPanel info={state.info} />
}
