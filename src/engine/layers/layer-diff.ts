import type { DirectoryRollup, FileTreeEntry, FileTreeNode, LayerChangeEntry, LayerDiff } from './file-tree-model'
import { MergedTree, implicitDir, layerRecords, type LayerRecord, type TreeNode } from './file-tree'
import { ancestors, layerSortKey } from './layer-paths'
import type { ByteSource } from './byte-reader'
import type { ReadTarOptions } from './tar-reader'

/** Layers applied one after another, each diffed against the union of those below it. */
export interface LayerStack {
  /** Apply one layer's records; returns what it changed relative to the layers below. */
  apply(records: AsyncIterable<LayerRecord> | Iterable<LayerRecord>): Promise<LayerDiff>
  /** The merged file tree after the layers applied so far. */
  tree(): FileTreeNode
  /** One path in the merged view. */
  lookup(path: string): FileTreeEntry | undefined
}

export function createLayerStack(): LayerStack {
  const tree = new MergedTree()
  let index = 0
  return {
    apply: async (records) => applyLayer(tree, index++, records),
    tree: () => tree.toFileTree(),
    lookup: (path) => tree.get(path)?.entry,
  }
}

export type LayerSource = ByteSource | (() => ByteSource)

/** Diff every layer of an image (base first) against the layers below it, streaming each blob. */
export async function diffLayerStack(layers: Iterable<LayerSource>, options: ReadTarOptions = {}): Promise<LayerDiff[]> {
  const stack = createLayerStack()
  const out: LayerDiff[] = []
  for (const layer of layers) out.push(await stack.apply(layerRecords(typeof layer === 'function' ? layer() : layer, options)))
  return out
}

async function applyLayer(tree: MergedTree, index: number, source: AsyncIterable<LayerRecord> | Iterable<LayerRecord>): Promise<LayerDiff> {
  // Whiteouts hide lower content only, wherever they sit in the tar: gather the layer (metadata
  // only, a few hundred bytes per entry), apply its whiteouts, then its entries in tar order.
  const entries: FileTreeEntry[] = []
  const hidden: LayerRecord[] = []
  let entryCount = 0
  for await (const record of source) {
    entryCount++
    if (record.kind === 'entry') entries.push(record.entry)
    else hidden.push(record)
  }
  const changes = new Map<string, LayerChangeEntry>()

  /** Record the removal of `node` (at `path`) and everything under it. */
  const removed = (node: TreeNode): void => {
    for (const gone of [node, ...MergedTree.descendants(node)]) {
      const path = gone.entry.path
      const earlier = changes.get(path)
      if (!earlier) changes.set(path, { path, change: 'removed', previous: gone.entry })
      else if (earlier.previous) changes.set(path, { path, change: 'removed', previous: earlier.previous })
      else changes.delete(path) // added earlier in this very layer: nothing left to report
    }
  }

  for (const record of hidden) {
    if (record.kind === 'whiteout') {
      const node = tree.remove(record.path)
      if (node) removed(node)
    } else if (record.kind === 'opaque') {
      const dir = tree.get(record.path)
      if (!dir?.children) continue
      for (const child of dir.children.values()) removed(child)
      dir.children.clear()
    }
  }

  const put = (entry: FileTreeEntry, implicit: boolean): TreeNode => {
    const path = entry.path
    const slash = path.lastIndexOf('/')
    const parent = slash < 0 ? tree.root : ensureDir(path.slice(0, slash))
    const name = path.slice(slash + 1)
    const existing = parent.children?.get(name)
    const node: TreeNode = { entry, layer: index }
    if (existing) {
      // Directory onto directory keeps the content; anything else replaces the whole subtree.
      if (existing.children && entry.type === 'dir') node.children = existing.children
      else {
        for (const child of existing.children?.values() ?? []) removed(child)
        dirCache.clear()
      }
    }
    if (node.children) dirCache.set(path, node)
    if (entry.type === 'dir' && !node.children) node.children = new Map()
    parent.children?.set(name, node)
    const earlier = changes.get(path)
    const previous = earlier ? earlier.previous : existing?.entry
    const change: LayerChangeEntry = previous ? { path, change: 'modified', entry, previous } : { path, change: 'added', entry }
    if (implicit) change.implicit = true
    changes.set(path, change)
    return node
  }
  // Members come grouped by directory: remember directory nodes instead of walking from the
  // root for each one. Cleared whenever a replacement could have detached a cached node.
  const dirCache = new Map<string, TreeNode>()
  /** The directory node at `path`, creating missing (or replacing non-directory) ancestors. */
  const ensureDir = (path: string): TreeNode => {
    const cached = dirCache.get(path)
    if (cached) return cached
    let node = tree.root
    for (const dir of [...ancestors(path), path]) {
      const name = dir.slice(dir.lastIndexOf('/') + 1)
      const next = node.children?.get(name)
      node = next?.children ? next : put(implicitDir(dir), true)
    }
    dirCache.set(path, node)
    return node
  }

  for (const entry of entries) put(entry, false)
  const diff = { index, changes: sortByPath([...changes.values()]), entryCount, whiteoutCount: hidden.length } as LayerDiff
  // The roll-up walks every change's ancestors: made on first read, as the file view never needs it.
  let directories: DirectoryRollup[] | undefined
  Object.defineProperty(diff, 'directories', { enumerable: true, get: () => (directories ??= rollup(diff.changes)) })
  return diff
}

function sortByPath<T extends { path: string }>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: layerSortKey(item.path) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ item }) => item)
}

function rollup(changes: readonly LayerChangeEntry[]): DirectoryRollup[] {
  const dirs = new Map<string, DirectoryRollup>()
  for (const change of changes) {
    const size = change.entry?.type === 'file' ? change.entry.size : 0
    const removedSize = change.change === 'removed' && change.previous?.type === 'file' ? change.previous.size : 0
    for (const dir of ['', ...ancestors(change.path)]) {
      let totals = dirs.get(dir)
      if (!totals) dirs.set(dir, (totals = { path: dir, size: 0, removedSize: 0, added: 0, modified: 0, removed: 0 }))
      totals.size += size
      totals.removedSize += removedSize
      totals[change.change]++
    }
  }
  return sortByPath([...dirs.values()])
}
