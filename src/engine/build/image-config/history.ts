// The last touches before an image is written: the frontend's target-only changes (--label,
// an explicit --platform) and the image exporter's (exporter/containerimage/writer.go
// patchImageConfig and normalizeLayersAndHistory): the full rootfs, history timestamps and the
// image's `created`.

import type { Platform } from '../../dockerfile'
import { goTime } from './base-config'
import type { HistoryEntry, OciImageConfig } from './types'

export class ImageConfigError extends Error {
  override readonly name = 'ImageConfigError'
}

export interface FinalizeOptions {
  /** DiffIDs of the layers the build added, bottom to top (the base's are in rootfs already). */
  readonly layers: readonly string[]
  /** When the build's layers were made (RFC 3339). */
  readonly created: string
  /** Per added layer, when it was made if not `created` (a cache hit keeps its first time). */
  readonly layerCreated?: readonly (string | undefined)[]
  /** `--platform` given explicitly: BuildKit stamps it on the target image. */
  readonly platform?: Platform
  /** `--label` values, over the Dockerfile's. */
  readonly labels?: Readonly<Record<string, string>>
}

export function countLayerEntries(history: readonly HistoryEntry[]): number {
  return history.filter((h) => h.empty_layer !== true).length
}

/**
 * normalizeLayersAndHistory's timestamps: a layer entry without a time gets its layer's; then
 * each empty-layer entry without one takes the time of the last dated entry before it — except
 * in a leading run (right after the base's history), which takes the next dated entry's. So a
 * build that adds no layer dates its entries with the base image's last time.
 */
export function stampHistory(history: readonly HistoryEntry[], layerTime: (layerIndex: number) => string): HistoryEntry[] {
  let layerIndex = 0
  const stamped = history.map((h) => {
    if (h.empty_layer === true) return { ...h }
    const at = layerIndex++
    return h.created === undefined ? { ...h, created: layerTime(at) } : { ...h }
  })
  let fill: string | undefined
  let missing = false
  for (const h of stamped) {
    if (h.created !== undefined) {
      fill = h.created
      if (missing) break
    } else missing = true
  }
  missing = false
  return stamped.map((h) => {
    if (h.created !== undefined) {
      if (missing) fill = h.created
      return h
    }
    missing = true
    return fill === undefined ? h : { ...h, created: fill }
  })
}

/**
 * The image as exported: rootfs.diff_ids = base layers + `layers`, every history entry dated,
 * `created` = the last history time (absent when nothing is dated: scratch with no layer, which
 * BuildKit writes as `"created":null`). Throws ImageConfigError when the history entries that
 * claim a layer do not match the number of layers.
 */
export function finalizeConfig(config: OciImageConfig, options: FinalizeOptions): OciImageConfig {
  const diffIds = [...config.rootfs.diff_ids, ...options.layers]
  const claimed = countLayerEntries(config.history)
  if (claimed !== diffIds.length) {
    throw new ImageConfigError(
      `history has ${claimed} entries with a layer but rootfs has ${diffIds.length} layers ` +
        `(${config.rootfs.diff_ids.length} from the base, ${options.layers.length} added)`,
    )
  }
  const baseLayers = config.rootfs.diff_ids.length
  const created = goTime(options.created)
  const layerTime = (i: number) => goTime((i >= baseLayers ? options.layerCreated?.[i - baseLayers] : undefined) ?? created)
  const history = stampHistory(config.history, layerTime)
  const next: OciImageConfig = {
    ...config,
    config: { ...config.config },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  }
  const labels = options.labels ?? {}
  if (Object.keys(labels).length > 0) next.config.Labels = { ...next.config.Labels, ...labels }
  if (options.platform !== undefined) {
    next.os = options.platform.os
    next.architecture = options.platform.arch
    if (options.platform.variant === '') delete next.variant
    else next.variant = options.platform.variant
    delete next['os.version']
  }
  const last = [...history].reverse().find((h) => h.created !== undefined)
  if (last?.created === undefined) delete next.created
  else next.created = last.created
  return next
}
