import { useEffect, useState } from 'react'
import type { CompareView } from '../../shared/compare-api'
import type { ApiClient } from '../../shared/contract'
import type { ImageSelector } from '../../shared/layers-api'
import { selectorKey } from '../layers/use-layers'

export type CompareState = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; view: CompareView } | { status: 'error'; message: string }

/** The comparison of two images (or builds' images), asked again whenever the pair changes; stale answers are dropped. */
export function useCompare(client: ApiClient, pair: { a: ImageSelector; b: ImageSelector } | undefined): CompareState {
  const key = pair ? `${selectorKey(pair.a)}|${selectorKey(pair.b)}` : undefined
  const [loaded, setLoaded] = useState<{ key: string; state: CompareState }>()
  useEffect(() => {
    if (!pair || key === undefined) return
    let live = true
    client.compareImages({ a: pair.a, b: pair.b }).then(
      (view) => live && setLoaded({ key, state: { status: 'ready', view } }),
      (error: unknown) => live && setLoaded({ key, state: { status: 'error', message: (error as Error).message } }),
    )
    return () => {
      live = false
    }
    // The key says when the pair changed; `pair` is a fresh object each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key])
  if (key === undefined) return { status: 'idle' }
  return loaded && loaded.key === key ? loaded.state : { status: 'loading' }
}
