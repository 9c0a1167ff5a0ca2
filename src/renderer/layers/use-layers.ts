import { useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ImageLayersView, LayerFileTree } from '../../shared/layers-api'

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string }

/** One request per key, the answer kept until the key changes; stale answers are dropped. */
function useRequest<T>(key: string | undefined, load: () => Promise<T>): Loadable<T> | undefined {
  const [loaded, setLoaded] = useState<{ key: string; state: Loadable<T> }>()
  useEffect(() => {
    if (key === undefined) return
    let live = true
    load().then(
      (value) => live && setLoaded({ key, state: { status: 'ready', value } }),
      (error: unknown) => live && setLoaded({ key, state: { status: 'error', message: (error as Error).message } }),
    )
    return () => {
      live = false
    }
    // `load` is a fresh closure each render; the key says when it asks something new.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])
  if (key === undefined) return undefined
  return loaded && loaded.key === key ? loaded.state : { status: 'loading' }
}

export function useImageLayers(client: ApiClient, buildId: string): Loadable<ImageLayersView> {
  return useRequest(buildId, () => client.imageLayers({ buildId })) ?? { status: 'loading' }
}

export function useLayerFiles(client: ApiClient, buildId: string, layer: number | undefined): Loadable<LayerFileTree> | undefined {
  return useRequest(layer === undefined ? undefined : `${buildId}#${layer}`, () => client.layerFileTree({ buildId, layer: layer ?? 0 }))
}
