import { useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ImageLayersView, ImageSelector, LayerFileTable } from '../../shared/layers-api'

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string }

/** One request per key, the answer kept until the key changes; stale answers are dropped. */
export function useRequest<T>(key: string | undefined, load: () => Promise<T>): Loadable<T> | undefined {
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

/** A selector as a key: the same image asked the same way gives the same key. */
export function selectorKey(selector: ImageSelector): string {
  if ('buildId' in selector) return `build:${selector.buildId}`
  if ('image' in selector) return `store:${selector.image}`
  return `docker:${selector.daemonImage}`
}

export function useImageLayers(client: ApiClient, selector: ImageSelector): Loadable<ImageLayersView> {
  return useRequest(selectorKey(selector), () => client.imageLayers(selector)) ?? { status: 'loading' }
}

export function useLayerFiles(client: ApiClient, selector: ImageSelector, layer: number | undefined): Loadable<LayerFileTable> | undefined {
  const key = layer === undefined ? undefined : `${selectorKey(selector)}#${layer}`
  return useRequest(key, () => client.layerFileTable({ ...selector, layer: layer ?? 0 }))
}
