import type { Store } from '../store'
import { MergedView } from './rootfs-view'
import type { RootfsView } from './rootfs-types'
import type { IndexRecord, LayerIndex } from './snapshot-index'
import { loadSnapshot, type LayerRef, type SnapshotOptions } from './snapshots'

export interface OpenRootfsOptions extends Omit<SnapshotOptions, 'lowerFile'> {
  /** Layers extracted at once (gunzip runs on the thread pool, so a few overlap well). Default 3. */
  parallel?: number
}

/** A layer whose entries reach below a path that the layers under it made a non-directory. */
export class UnsupportedLayerError extends Error {
  override readonly name = 'UnsupportedLayerError'
}

/** FROM scratch: only the root directory. */
export function emptyRootfs(): RootfsView {
  return new MergedView([])
}

/**
 * The merged filesystem of an image's layers (lowest first, as rootfs.diff_ids lists them).
 * Each layer is extracted into the store once, on first use, and shared by every view and build.
 */
export async function openRootfs(store: Store, layers: LayerRef[], options: OpenRootfsOptions = {}): Promise<RootfsView> {
  const { parallel = 3, ...snapshotOptions } = options
  const slots = new Slots(parallel)
  const indexes: Promise<LayerIndex>[] = []
  for (const [i, layer] of layers.entries()) {
    // Only a hard link to a file of a lower layer needs the layers below (rare): then wait for them.
    const lowerFile = async (path: string): Promise<{ hostPath: string; record: IndexRecord } | undefined> => {
      const below = new MergedView(await Promise.all(indexes.slice(0, i)))
      const entry = await below.lookup(path)
      const node = entry && below.node(entry.realPath.slice(1))
      if (entry?.type !== 'file' || entry.hostPath === undefined || !node) return undefined
      return { hostPath: entry.hostPath, record: node.record }
    }
    indexes.push(slots.run(() => loadSnapshot(store, layer, { ...snapshotOptions, lowerFile })))
  }
  // Settle all before failing: no extraction keeps running behind the caller's back.
  const settled = await Promise.allSettled(indexes)
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) throw failed.reason
  const loaded = settled.map((s) => (s as PromiseFulfilledResult<LayerIndex>).value)
  checkImplicitDirs(loaded)
  return new MergedView(loaded)
}

/**
 * Appliers that unpack onto the merged parent (containerd, moby) create a missing parent only if
 * nothing is there, and follow a symlink that is. A per-layer snapshot cannot follow a symlink of
 * another layer, so a layer writing below a lower symlink (or file) is refused rather than shown
 * wrongly. Layers that Docker or BuildKit write always carry their parent directories, so this
 * only meets hand-made tars.
 */
function checkImplicitDirs(layers: LayerIndex[]): void {
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i] as LayerIndex
    if (layer.implicitDirs.length === 0) continue
    const below = new MergedView(layers.slice(0, i))
    for (const dir of layer.implicitDirs) {
      const lower = below.node(dir)
      if (lower && lower.record.type !== 'dir') {
        throw new UnsupportedLayerError(
          `layer ${layer.diffId} has entries below /${dir}, which the layers under it made a ${lower.record.type}; ` +
            'such a layer is only meaningful unpacked onto its parent, which this engine does not do',
        )
      }
    }
  }
}

/** At most `limit` tasks at once, started in the order asked (lower layers first). */
class Slots {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so none is ever over-counted.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.running++
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
