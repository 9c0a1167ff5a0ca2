import type { DuplicateGroup, ImageFile, ImageWaste, LayerWaste, WastedPath } from '../../shared/analysis-api'
import type { ByteSource } from '../layers'
import { scanLayer, type ScanRecord } from './layer-scan'
import { WasteTree, type Copy } from './waste-tree'

/**
 * Wasted space in an image, in the spirit of dive (github.com/wagoodman/dive, filetree/
 * efficiency.go and image/analysis.go), with definitions that add up.
 *
 * Dive: for every leaf path, `cumulative` is the sum of its sizes in all layers that name it (a
 * whiteout of a directory counts the directory's size below it) and `min` the smallest of those;
 * efficiency = Σmin / Σcumulative; the "inefficiencies" are the paths named by two or more
 * layers, and wasted bytes = Σcumulative over them.
 *
 * Here: each layer's stored file data is a *copy*; a copy is dead once the final image no longer
 * names it; wasted bytes = the dead copies' sizes, each copy counted once; efficiency =
 * live / stored. Where the two differ, and why:
 * - dive's wasted bytes include the copy the image still uses (a 1 MB file overwritten by a 1 MB
 *   file wastes 2 MB in dive, 1 MB here): only the dead copy could be saved.
 * - dive's score credits a path with its *smallest* version; here it is the version the image
 *   shows (1 MB grown to 2 MB: dive 1/3, here 2/3), so efficiency = 1 − wasted / stored exactly.
 * - `rm -r dir` in a later layer: dive books the directory's size once under the directory's
 *   path and so neither lowers the score nor lists it; here every file it deleted is dead and
 *   the directory is listed once with their total.
 * - hard links: a copy dies only when every name of it is gone (dive compares paths only).
 * - an empty file's death is no waste (dive lists it, at 0 bytes).
 * The inefficiency list here is grouped by the path a layer overwrote or deleted (a deleted
 * directory is one row), with the layers that wrote and removed the copies.
 * dive's "user wasted percent" (base layer excluded) is wastedBytes minus layer 0's wasted
 * bytes over the upper layers' stored bytes; the per-layer numbers allow it.
 */

export interface AnalysisLayer {
  diffId: string
  createdBy: string
  /** Opens the layer blob (gzip or plain); called once, read once, front to back. */
  open: () => ByteSource | Promise<ByteSource>
}

export interface AnalyzeOptions {
  /** How many entries each list keeps; default 50. */
  limit?: number
  /** Hash file contents to find duplicates; default true. */
  hash?: boolean
  /** Called after each layer is read, for progress. */
  onLayer?: (index: number) => void
}

export type LayerAnalysis = Omit<ImageWaste, 'image' | 'buildId'>

/** Analyzes layers given base first, streaming each blob once. */
export async function analyzeLayers(layers: readonly AnalysisLayer[], options: AnalyzeOptions = {}): Promise<LayerAnalysis> {
  const tree = new WasteTree()
  for (const [index, layer] of layers.entries()) {
    const source = await layer.open()
    await tree.apply(scanLayer(source, options.hash === false ? { hash: false } : {}))
    options.onLayer?.(index)
  }
  return summarize(tree, layers, options.limit ?? 50, options.hash !== false)
}

export interface RecordLayer {
  diffId: string
  createdBy: string
  records: Iterable<ScanRecord> | AsyncIterable<ScanRecord>
}

/** Analyzes layers whose records are already at hand (images read by other means, such as the daemon's). */
export async function analyzeRecords(layers: readonly RecordLayer[], options: { limit?: number; contentHashed: boolean }): Promise<LayerAnalysis> {
  const tree = new WasteTree()
  for (const layer of layers) await tree.apply(layer.records)
  return summarize(tree, layers, options.limit ?? 50, options.contentHashed)
}

function summarize(tree: WasteTree, layers: readonly { diffId: string; createdBy: string }[], limit: number, contentHashed: boolean): LayerAnalysis {
  const layerWaste: LayerWaste[] = tree.layers.map((totals, index) => ({
    index,
    diffId: layers[index]?.diffId ?? '',
    createdBy: layers[index]?.createdBy ?? '',
    ...totals,
  }))
  const storedBytes = layerWaste.reduce((sum, l) => sum + l.storedBytes, 0)
  const wastedBytes = layerWaste.reduce((sum, l) => sum + l.wastedBytes, 0)

  const live: { path: string; copy: Copy }[] = [...tree.liveCopies()]
  const liveBytes = live.reduce((sum, { copy }) => sum + copy.size, 0)

  const wastedPaths: WastedPath[] = [...tree.groups.values()]
    .map((g) => ({
      path: g.path,
      wastedBytes: g.wastedBytes,
      copies: g.copies,
      writtenIn: [...g.writtenIn].sort((a, b) => a - b),
      removedIn: [...g.removedIn].sort((a, b) => a - b),
      stillPresent: tree.has(g.path),
      unchangedRewrites: g.unchangedRewrites,
    }))
    .sort((a, b) => b.wastedBytes - a.wastedBytes || compareText(a.path, b.path))

  const biggestFiles: ImageFile[] = live
    .filter(({ copy }) => copy.size > 0)
    .sort((a, b) => b.copy.size - a.copy.size || compareText(a.path, b.path))
    .slice(0, limit)
    .map(({ path, copy }) => ({ path, size: copy.size, layer: copy.layer }))

  const duplicates = duplicateGroups(live)
  return {
    layers: layerWaste,
    storedBytes,
    liveBytes,
    wastedBytes,
    efficiency: storedBytes === 0 ? 1 : liveBytes / storedBytes,
    wastedPaths: wastedPaths.slice(0, limit),
    wastedPathCount: wastedPaths.length,
    biggestFiles,
    duplicates: duplicates.slice(0, limit),
    duplicateGroupCount: duplicates.length,
    duplicateBytes: duplicates.reduce((sum, g) => sum + g.reclaimableBytes, 0),
    limit,
    contentHashed,
  }
}

/** Contents the final image shows more than once, at least one copy of which is in another layer. */
function duplicateGroups(live: readonly { path: string; copy: Copy }[]): DuplicateGroup[] {
  const byDigest = new Map<string, { path: string; copy: Copy }[]>()
  for (const item of live) {
    const digest = item.copy.digest
    if (digest === undefined || item.copy.size === 0) continue
    const list = byDigest.get(digest)
    if (list) list.push(item)
    else byDigest.set(digest, [item])
  }
  const out: DuplicateGroup[] = []
  for (const [digest, items] of byDigest) {
    if (new Set(items.map((i) => i.copy.layer)).size < 2) continue
    const size = items[0]?.copy.size ?? 0
    const files = items
      .map(({ path, copy }) => ({ path, size: copy.size, layer: copy.layer }))
      .sort((a, b) => a.layer - b.layer || compareText(a.path, b.path))
    out.push({ digest, size, files, reclaimableBytes: size * (files.length - 1) })
  }
  return out.sort((a, b) => b.reclaimableBytes - a.reclaimableBytes || compareText(a.files[0]?.path ?? '', b.files[0]?.path ?? ''))
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
