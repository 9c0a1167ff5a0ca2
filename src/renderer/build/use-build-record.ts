import { useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import { viewFromRecord, type BuildView } from './build-stream'

export type RecordState =
  | { status: 'idle' }
  | { status: 'loading'; id: string }
  | { status: 'ready'; id: string; view: BuildView }
  | { status: 'error'; id: string; message: string }

type Loaded = { id: string; state: RecordState }

/** One build from the store's records, as a timeline view. */
export function useBuildRecord(client: ApiClient, id: string | undefined): RecordState {
  const [loaded, setLoaded] = useState<Loaded | undefined>()
  useEffect(() => {
    if (!id) return
    let live = true
    client.readBuild({ id }).then(
      (record) => live && setLoaded({ id, state: { status: 'ready', id, view: viewFromRecord(record) } }),
      (error: unknown) => live && setLoaded({ id, state: { status: 'error', id, message: (error as Error).message } }),
    )
    return () => {
      live = false
    }
  }, [client, id])
  if (!id) return { status: 'idle' }
  return loaded && loaded.id === id ? loaded.state : { status: 'loading', id }
}
