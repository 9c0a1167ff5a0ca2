import type { ImageLayer, ImageLayersView, LayerOrigin } from '../../shared/layers-api'

export interface LayerRow {
  layer: ImageLayer
  /** What made the layer, as a person reads it. */
  instruction: string
  line?: number
  /** Share of the image, 0..100. */
  percent: number
  /** Bytes of this layer and every one below it. */
  cumulative: number
}

/** Docker's `created_by` for a layer the Dockerfile frontend made: `RUN /bin/sh -c …`, `COPY … # buildkit`. */
export function readableCreatedBy(createdBy: string): string {
  return createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/\s*# buildkit$/, '')
    .trim()
}

export function layerRows(view: ImageLayersView): LayerRow[] {
  let cumulative = 0
  return view.layers.map((layer) => {
    cumulative += layer.size
    const instruction = layer.step?.instruction ?? (readableCreatedBy(layer.createdBy) || 'base image layer')
    return {
      layer,
      instruction,
      ...(layer.step ? { line: layer.step.line } : {}),
      percent: view.totalSize > 0 ? (layer.size / view.totalSize) * 100 : 0,
      cumulative,
    }
  })
}

export function formatPercent(percent: number): string {
  if (percent === 0) return '0%'
  if (percent < 0.1) return '<0.1%'
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`
}

export const originLabel: Record<LayerOrigin, string> = { cached: 'cached', built: 'rebuilt', base: 'base' }

export const originTone: Record<LayerOrigin, { badge: string; bar: string }> = {
  cached: { badge: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100', bar: 'bg-sky-400 dark:bg-sky-500' },
  built: { badge: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100', bar: 'bg-emerald-500 dark:bg-emerald-500' },
  base: { badge: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300', bar: 'bg-zinc-400 dark:bg-zinc-500' },
}
