import { useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { EngineInfo } from '../../shared/engine-info'

export type EngineInfoState =
  | { status: 'loading' }
  | { status: 'ready'; info: EngineInfo }
  | { status: 'error'; error: Error }

/** Engine info, with the Docker part kept current by the engine's `dockerStatus` events. */
export function useEngineInfo(client: ApiClient): EngineInfoState {
  const [state, setState] = useState<EngineInfoState>({ status: 'loading' })

  useEffect(() => {
    let live = true
    client.engineInfo().then(
      (info) => live && setState({ status: 'ready', info }),
      (error: unknown) => live && setState({ status: 'error', error: error as Error }),
    )
    const off = client.on('dockerStatus', (docker) => {
      setState((previous) => (previous.status === 'ready' ? { status: 'ready', info: { ...previous.info, docker } } : previous))
    })
    return () => {
      live = false
      off()
    }
  }, [client])

  return state
}
