import type { EngineConnection } from './api/connect'
import { ErrorState } from './components/error-state'
import { Frame } from './components/frame'
import { Workspace } from './workspace'

export function App({ connection }: { connection: EngineConnection }) {
  if (!connection.ok) {
    return (
      <Frame>
        <div className="p-6">
          <ErrorState title="Not connected to the engine" message={connection.message} />
        </div>
      </Frame>
    )
  }
  return <Workspace client={connection.client} />
}
