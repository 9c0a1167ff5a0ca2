import { useCallback, useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { BuildSummary } from '../../shared/project-api'

export type HistoryState =
  | { status: 'loading' }
  | { status: 'ready'; builds: BuildSummary[] }
  | { status: 'error'; message: string }

type Loaded = { dir: string; state: HistoryState }

/** This project's builds from the store, refreshed whenever a build finishes. */
export function useBuildHistory(client: ApiClient, dir: string | undefined): { state: HistoryState; reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded | undefined>()
  const [generation, setGeneration] = useState(0)
  const reload = useCallback(() => setGeneration((g) => g + 1), [])

  useEffect(() => client.on('buildEvent', (event) => event.type === 'build-finished' && reload()), [client, reload])

  useEffect(() => {
    if (!dir) return
    let live = true
    client.listBuilds({ dir }).then(
      (builds) => live && setLoaded({ dir, state: { status: 'ready', builds } }),
      (error: unknown) => live && setLoaded({ dir, state: { status: 'error', message: (error as Error).message } }),
    )
    return () => {
      live = false
    }
  }, [client, dir, generation])

  // Until the new project's list arrives, show it as loading rather than the last project's.
  const state: HistoryState = loaded && loaded.dir === dir ? loaded.state : { status: 'loading' }
  return { state, reload }
}
