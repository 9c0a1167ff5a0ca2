import type { CompareRow, CompareView } from '../../shared/compare-api'
import { ApiError } from '../../shared/errors'
import { DaemonImages } from '../docker/daemon-layers'
import type { Store } from '../store'
import { alignLayers } from './compare-align'
import { diffFileIndexes, indexLayerFiles, type LayerFileIndex } from './compare-files'
import { loadSide, type CompareTarget, type LoadedSide, type SideLayer } from './compare-sources'

export type { CompareTarget } from './compare-sources'

export interface ComparerOptions {
  store: () => Promise<Store>
  env?: NodeJS.ProcessEnv
  /** Where daemon images are read; default: the daemon discovery finds in `env`. */
  daemon?: DaemonImages
  /** Layer indexes kept for the next comparison (each holds one entry per path); default 16. */
  cachedLayers?: number
}

export interface CompareOptions {
  /** Most file entries listed per layer pair; default 500. */
  fileLimit?: number
}

export interface Comparer {
  compare(a: CompareTarget, b: CompareTarget, options?: CompareOptions): Promise<CompareView>
}

const EMPTY: LayerFileIndex = new Map()

/**
 * Compares two images layer by layer. Layers are paired by instruction (compare-align); a pair
 * with the same diffID is the same bytes and is never read. Every other layer is streamed once
 * and reduced to per-path metadata and content hashes (compare-files), which are kept for a
 * while: comparing build N with N+1 and then N+1 with N+2 reads N+1's changed layers once.
 */
export function createComparer(options: ComparerOptions): Comparer {
  const limit = options.cachedLayers ?? 16
  const indexes = new Map<string, Promise<LayerFileIndex>>()

  const indexStoreLayer = (store: Store, blobDigest: string, diffId: string): Promise<LayerFileIndex> => {
    let pending = indexes.get(diffId)
    if (pending) indexes.delete(diffId)
    else {
      pending = (async () => {
        try {
          return await indexLayerFiles(await store.openBlob(blobDigest))
        } catch (error) {
          if (error instanceof Error && error.name === 'TarFormatError') {
            throw new ApiError({ code: 'internal', message: `layer ${blobDigest} is not a readable tar: ${error.message}` })
          }
          throw error
        }
      })()
      pending.catch(() => indexes.delete(diffId))
    }
    indexes.set(diffId, pending)
    while (indexes.size > limit) {
      const oldest = indexes.keys().next().value
      if (oldest === undefined) break
      indexes.delete(oldest)
    }
    return pending
  }

  const context = { store: options.store, daemon: options.daemon ?? new DaemonImages(options.env ?? process.env), indexStoreLayer }

  return {
    async compare(a, b, compareOptions = {}) {
      const fileLimit = compareOptions.fileLimit ?? 500
      const [left, right] = [await loadSide(a, context), await loadSide(b, context)]
      return compareLoaded(left, right, fileLimit)
    },
  }
}

async function compareLoaded(left: LoadedSide, right: LoadedSide, fileLimit: number): Promise<CompareView> {
  const pairs = alignLayers(
    left.layers.map((l) => l.key),
    right.layers.map((l) => l.key),
  )
  const rows: CompareRow[] = []
  for (const pair of pairs) {
    const a = pair.a === undefined ? undefined : left.layers[pair.a]
    const b = pair.b === undefined ? undefined : right.layers[pair.b]
    const row: CompareRow = { status: 'same', sizeDelta: (b?.size ?? 0) - (a?.size ?? 0) }
    if (a) row.a = publicSide(a)
    if (b) row.b = publicSide(b)
    if (pair.moved) row.moved = true
    if (a && b && a.diffId !== undefined && a.diffId === b.diffId) row.status = 'same'
    else {
      row.status = a && b ? 'changed' : a ? 'removed' : 'added'
      const [before, after] = await Promise.all([a ? a.files() : EMPTY, b ? b.files() : EMPTY])
      const files = diffFileIndexes(before, after, fileLimit)
      const { added, removed, changed } = files.counts
      if (row.status === 'changed' && added + removed + changed === 0) row.status = 'rebuilt'
      row.files = files
    }
    rows.push(row)
  }
  return { a: left.info, b: right.info, rows, totalDelta: right.info.totalSize - left.info.totalSize }
}

function publicSide(layer: SideLayer): CompareRow['a'] {
  const { key: _key, files: _files, ...side } = layer
  return side
}
