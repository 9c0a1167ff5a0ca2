import type { LayerFileKind, LayerFileRowChange, LayerFileTable, LayerFileType } from '../../shared/layers-api'

/**
 * One layer's changed paths as a tree the file view can flatten quickly, built straight from the
 * columns the engine sends (rows point at their parents, parents first): linking children and
 * rolling totals up are one pass each over typed arrays, no object or path string per row.
 * Directories carry the totals of everything under them; sorting happens per directory, only
 * when it is opened, and paths are made only for rows on screen.
 * Node ids are table rows; the root is id `count`.
 */
export class FileTreeModel {
  readonly count: number
  readonly root: number
  /** Files: their bytes (0 when removed); directories: the bytes added or rewritten below. */
  readonly size: Float64Array
  /** Bytes of removed files (below, for directories). */
  readonly removedSize: Float64Array
  readonly added: Int32Array
  readonly modified: Int32Array
  readonly removed: Int32Array
  private readonly childStart: Int32Array
  private readonly childIds: Int32Array
  private readonly sorted = new Map<string, Int32Array>()
  private readonly paths = new Map<number, string>()
  private readonly links: Map<number, string>

  constructor(readonly table: LayerFileTable) {
    const n = table.parent.length
    this.count = n
    this.root = n
    this.size = new Float64Array(n + 1)
    this.removedSize = new Float64Array(n + 1)
    this.added = new Int32Array(n + 1)
    this.modified = new Int32Array(n + 1)
    this.removed = new Int32Array(n + 1)
    this.links = new Map(table.links)
    // A row hangs under its parent only if that parent is a directory (and itself attached).
    const attached = new Uint8Array(n + 1)
    const parentOf = new Int32Array(n)
    const childCount = new Int32Array(n + 2)
    attached[n] = 1
    for (let i = 0; i < n; i++) {
      const p = table.parent[i] ?? -1
      const parent = p < 0 ? n : p
      parentOf[i] = parent
      if (attached[parent] && (parent === n || this.isDir(parent))) {
        attached[i] = 1
        childCount[parent + 1]!++
      }
    }
    for (let i = 1; i <= n + 1; i++) childCount[i]! += childCount[i - 1]!
    this.childStart = childCount
    this.childIds = new Int32Array(childCount[n + 1] ?? 0)
    const fill = childCount.slice(0, n + 1)
    for (let i = 0; i < n; i++) if (attached[i]) this.childIds[fill[parentOf[i]!]!++] = i
    // Children come after their parents, so a backward pass sees every child before its parent.
    for (let i = n - 1; i >= 0; i--) {
      if (!attached[i]) continue
      const kind = this.kind(i)
      if (kind.type === 'file') {
        if (kind.change === 'removed') this.removedSize[i]! += table.size[i] ?? 0
        else this.size[i]! += table.size[i] ?? 0
      }
      if (kind.change !== 'unchanged') this[kind.change][i]!++
      const p = parentOf[i]!
      this.size[p]! += this.size[i]!
      this.removedSize[p]! += this.removedSize[i]!
      this.added[p]! += this.added[i]!
      this.modified[p]! += this.modified[i]!
      this.removed[p]! += this.removed[i]!
    }
  }

  kind(id: number): LayerFileKind {
    return this.table.kinds[this.table.kind[id] ?? 0] ?? { change: 'unchanged', type: 'dir', mode: 0o755, uid: 0, gid: 0 }
  }
  change(id: number): LayerFileRowChange {
    return id === this.root ? 'unchanged' : this.kind(id).change
  }
  isDir(id: number): boolean {
    return id === this.root || this.kind(id).type === 'dir'
  }
  name(id: number): string {
    return id === this.root ? '' : (this.table.names[this.table.name[id] ?? 0] ?? '')
  }
  linkTarget(id: number): string | undefined {
    return this.links.get(id)
  }
  path(id: number): string {
    if (id === this.root) return ''
    let out = this.paths.get(id)
    if (out === undefined) {
      const parent = this.table.parent[id] ?? -1
      out = parent < 0 ? this.name(id) : `${this.path(parent)}/${this.name(id)}`
      this.paths.set(id, out)
    }
    return out
  }
  children(id: number): Int32Array {
    return this.childIds.subarray(this.childStart[id] ?? 0, this.childStart[id + 1] ?? 0)
  }
  hasChildren(id: number): boolean {
    return (this.childStart[id + 1] ?? 0) > (this.childStart[id] ?? 0)
  }

  /** Children sorted per key: directories first, then by name (numbers in names compare as numbers), or biggest first. */
  sortedChildren(id: number, sort: SortKey): Int32Array {
    const key = `${sort}:${id}`
    let out = this.sorted.get(key)
    if (!out) {
      out = this.children(id).slice()
      const dir = (x: number): number => (this.isDir(x) ? 1 : 0)
      out.sort((a, b) => {
        if (sort === 'size') {
          const by = this.size[b]! + this.removedSize[b]! - (this.size[a]! + this.removedSize[a]!)
          if (by !== 0) return by
        }
        const dirs = dir(b) - dir(a)
        return dirs !== 0 ? dirs : collator.compare(this.name(a), this.name(b))
      })
      this.sorted.set(key, out)
    }
    return out
  }
}

export type SortKey = 'name' | 'size'

export interface FlatRow {
  id: number
  depth: number
  expanded: boolean
}

const collator = new Intl.Collator(undefined, { numeric: true })

/** What a filter keeps: rows whose name contains it (case-insensitive), every directory above one. */
export interface Matches {
  kept: Uint8Array
  /** Kept rows with a kept child: the filter opens them by itself. */
  keptBelow: Uint8Array
}

/** One test per distinct name, then one backward pass to keep the directories above a match. */
export function matchingNodes(model: FileTreeModel, filter: string): Matches | undefined {
  const needle = filter.trim().toLowerCase()
  if (!needle) return undefined
  const { table, count } = model
  const nameHit = table.names.map((n) => n.toLowerCase().includes(needle))
  const kept = new Uint8Array(count + 1)
  const keptBelow = new Uint8Array(count + 1)
  for (let i = count - 1; i >= 0; i--) {
    if (nameHit[table.name[i] ?? 0]) kept[i] = 1
    if (!kept[i]) continue
    const p = table.parent[i] ?? -1
    const parent = p < 0 ? count : p
    kept[parent] = 1
    keptBelow[parent] = 1
  }
  return { kept, keptBelow }
}

export interface FlattenOptions {
  /** Ids of open directories. */
  expanded: ReadonlySet<number>
  sort: SortKey
  /** From matchingNodes: when set, only these show, and directories above a match open by themselves. */
  matches?: Matches
}

/** The rows to show, top to bottom: the root's children and, under each open directory, its own. */
export function flattenTree(model: FileTreeModel, options: FlattenOptions): FlatRow[] {
  const rows: FlatRow[] = []
  const { expanded, sort, matches } = options
  const walk = (node: number, depth: number, showAll: boolean): void => {
    for (const child of model.sortedChildren(node, sort)) {
      const kept = matches !== undefined && matches.kept[child] === 1
      if (!showAll && matches && !kept) continue
      const selfMatch = kept && matches.keptBelow[child] !== 1
      const open = model.isDir(child) && (expanded.has(child) || (matches !== undefined && !showAll && !selfMatch))
      rows.push({ id: child, depth, expanded: open })
      if (open) walk(child, depth + 1, showAll || selfMatch)
    }
  }
  walk(model.root, 0, false)
  return rows
}

/** Every directory: for "expand all" and for small layers, which open fully. */
export function allDirectories(model: FileTreeModel): Set<number> {
  const out = new Set<number>()
  for (let i = 0; i < model.count; i++) if (model.isDir(i)) out.add(i)
  return out
}

/** What opens when a layer is first shown: everything for a small layer, the top level otherwise. */
export function initialExpanded(model: FileTreeModel): Set<number> {
  if (model.count <= 500) return allDirectories(model)
  return new Set(Array.from(model.children(model.root)).filter((c) => model.isDir(c)))
}

/** `drwxr-xr-x` from a type and permission bits, as `ls -l` shows them. */
export function modeString(type: LayerFileType, mode: number): string {
  const kind = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' }[type]
  const bits = 'rwxrwxrwx'
  let out = kind
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits.charAt(i) : '-'
  return out
}
