import type { Store } from '../store'
import { resolveImage } from '../store'
import { ImageIoError } from './errors'
import { layerSizes } from './layer-sizes'

/** One line of `docker history`, newest first. */
export interface HistoryRow {
  /**
   * The image ID (config digest) on the top row and `<missing>` below it, as Docker shows any
   * image built by BuildKit or pulled: no parent-image chain is kept for the lower steps.
   */
  id: string
  /** As the config has it (RFC 3339); absent when the entry has no time. */
  created?: string
  createdBy: string
  /**
   * Docker's SIZE for a layer it unpacked (file contents plus symlink targets, hard links once);
   * 0 for entries that made no layer. For layers BuildKit committed, Docker leaves the symlink
   * bytes out (see TarMeasure.symlinkBytes).
   */
  size: number
  comment: string
  emptyLayer: boolean
  /** The layer the entry made; absent for empty_layer entries. */
  diffId?: string
}

interface HistoryEntry {
  created?: unknown
  created_by?: unknown
  comment?: unknown
  empty_layer?: unknown
}

/**
 * The image's config history joined with its layers, the way the daemon does it: each entry
 * without `empty_layer` takes the next layer in order; layers beyond the history are not shown,
 * and history that claims more layers than the image has is an error. Sizes come from the
 * layer-size cache, or from streaming each layer once (which also verifies its diffID).
 */
export async function imageHistory(store: Store, ref: string): Promise<HistoryRow[]> {
  const image = await resolveImage(store, ref)
  const history = Array.isArray(image.config.history) ? (image.config.history as HistoryEntry[]) : []
  const diffIds = image.config.rootfs?.diff_ids ?? []
  const rows: HistoryRow[] = []
  let next = 0
  for (const entry of history) {
    const emptyLayer = entry?.empty_layer === true
    const row: HistoryRow = {
      id: '<missing>',
      createdBy: typeof entry?.created_by === 'string' ? entry.created_by : '',
      size: 0,
      comment: typeof entry?.comment === 'string' ? entry.comment : '',
      emptyLayer,
    }
    if (typeof entry?.created === 'string') row.created = entry.created
    if (!emptyLayer) {
      const diffId = diffIds[next]
      const layer = image.manifest.layers[next]
      if (diffId === undefined || layer === undefined) {
        throw new ImageIoError('invalid-argument', `${ref}: the config's history has more non-empty entries than the image has layers (${diffIds.length})`)
      }
      row.diffId = diffId
      row.size = (await layerSizes(store, layer, diffId)).contentSize
      next++
    }
    rows.unshift(row)
  }
  const top = rows[0]
  if (top) top.id = image.manifest.config.digest
  return rows
}
