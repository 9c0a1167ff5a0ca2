import { useEffect, useReducer } from 'react'
import type { BuildEvent } from '../../shared/build-events'
import type { ApiClient } from '../../shared/contract'
import { noLiveBuilds, reduceLiveBuilds, type LiveBuilds } from './build-stream'

export { buildTotals, noLiveBuilds, reduceBuild, reduceLiveBuilds, viewFromRecord } from './build-stream'
export type { BuildView, StepView, StageView, StepState } from './build-stream'

/** How long events gather before one render: a log flood becomes a few renders a second. */
const batchMs = 32

/**
 * The engine's pushed build events, reduced to the latest build of each project. Events are
 * applied in batches so thousands of log lines cost a few renders, not thousands.
 */
export function useBuildStream(client: ApiClient): LiveBuilds {
  const [state, dispatch] = useReducer(reduceLiveBuilds, noLiveBuilds)
  useEffect(() => {
    let queue: BuildEvent[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = (): void => {
      timer = undefined
      const batch = queue
      queue = []
      dispatch(batch)
    }
    const off = client.on('buildEvent', (event) => {
      queue.push(event)
      timer ??= setTimeout(flush, batchMs)
    })
    return () => {
      off()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [client])
  return state
}
