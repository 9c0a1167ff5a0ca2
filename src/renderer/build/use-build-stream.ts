import { useEffect, useReducer } from 'react'
import type { BuildEvent } from '../../shared/build-events'
import type { ApiClient } from '../../shared/contract'
import { noLiveBuilds, reduceLiveBuilds, type LiveBuilds } from './build-stream'
import { createEventBatcher } from './event-batcher'

export { buildTotals, noLiveBuilds, reduceBuild, reduceLiveBuilds, viewFromRecord } from './build-stream'
export type { BuildView, StepView, StageView, StepState } from './build-stream'

/** At most one render per this many ms while events keep coming: a log flood becomes a few renders a second. */
const batchMs = 32

/**
 * The engine's pushed build events, reduced to the latest build of each project. Events are
 * applied in batches so thousands of log lines cost a few renders, not thousands; a step starting
 * or finishing, and the first event after a quiet spell, are applied at once.
 */
export function useBuildStream(client: ApiClient): LiveBuilds {
  const [state, dispatch] = useReducer(reduceLiveBuilds, noLiveBuilds)
  useEffect(() => {
    const batcher = createEventBatcher<BuildEvent>(dispatch, batchMs, (e) => e.type !== 'step-log' && e.type !== 'step-progress')
    const off = client.on('buildEvent', (event) => batcher.push(event))
    return () => {
      off()
      batcher.dispose()
    }
  }, [client])
  return state
}
