import type { LayerFileChange, LayerFileEntry, LayerFileType } from '../../shared/layers-api'

/**
 * One layer's changed paths as a tree the file view can flatten quickly: directories carry the
 * totals of everything under them. Directories the layer did not change but that hold changes
 * appear as `unchanged`.
 */
export interface TreeNode {
  name: string
  path: string
  type: LayerFileType
  change: LayerFileChange | 'unchanged'
  entry?: LayerFileEntry
  /** Files: their bytes (0 when removed); directories: the bytes added or rewritten below. */
  size: number
  /** Bytes of removed files (below, for directories). */
  removedSize: number
  added: number
  modified: number
  removed: number
  children?: TreeNode[]
  /** Children sorted per key, computed on first use. */
  sorted?: Partial<Record<SortKey, TreeNode[]>>
}

export type SortKey = 'name' | 'size'

export interface FlatRow {
  node: TreeNode
  depth: number
  expanded: boolean
}

function dirNode(path: string): TreeNode {
  return { name: path.slice(path.lastIndexOf('/') + 1), path, type: 'dir', change: 'unchanged', size: 0, removedSize: 0, added: 0, modified: 0, removed: 0, children: [] }
}

/** The tree of a layer's changes; the root has path ''. */
export function buildTree(entries: readonly LayerFileEntry[]): TreeNode {
  const root = dirNode('')
  const byPath = new Map<string, TreeNode>([['', root]])
  const dir = (path: string): TreeNode => {
    const found = byPath.get(path)
    if (found) {
      found.children ??= []
      return found
    }
    const slash = path.lastIndexOf('/')
    const parent = dir(slash < 0 ? '' : path.slice(0, slash))
    const node = dirNode(path)
    byPath.set(path, node)
    parent.children?.push(node)
    return node
  }
  for (const entry of entries) {
    if (entry.path === '') continue
    const existing = byPath.get(entry.path)
    if (existing) {
      existing.change = entry.change
      existing.entry = entry
      existing.type = entry.type
      continue
    }
    const slash = entry.path.lastIndexOf('/')
    const parent = dir(slash < 0 ? '' : entry.path.slice(0, slash))
    const node: TreeNode = {
      name: entry.path.slice(slash + 1),
      path: entry.path,
      type: entry.type,
      change: entry.change,
      entry,
      size: 0,
      removedSize: 0,
      added: 0,
      modified: 0,
      removed: 0,
    }
    if (entry.type === 'dir') node.children = []
    byPath.set(entry.path, node)
    parent.children?.push(node)
  }
  rollUp(root)
  return root
}

function rollUp(node: TreeNode): void {
  const own = node.entry
  if (own && own.type === 'file') {
    if (node.change === 'removed') node.removedSize = own.size
    else node.size = own.size
  }
  if (node.change === 'added' || node.change === 'modified' || node.change === 'removed') node[node.change] = 1
  for (const child of node.children ?? []) {
    rollUp(child)
    node.size += child.size
    node.removedSize += child.removedSize
    node.added += child.added
    node.modified += child.modified
    node.removed += child.removed
  }
}

const collator = new Intl.Collator(undefined, { numeric: true })

function sortedChildren(node: TreeNode, sort: SortKey): TreeNode[] {
  const children = node.children ?? []
  node.sorted ??= {}
  let sorted = node.sorted[sort]
  if (!sorted) {
    sorted = [...children].sort((a, b) => {
      if (sort === 'size') {
        const by = b.size + b.removedSize - (a.size + a.removedSize)
        if (by !== 0) return by
      }
      const dirs = Number(b.children !== undefined) - Number(a.children !== undefined)
      return dirs !== 0 ? dirs : collator.compare(a.name, b.name)
    })
    node.sorted[sort] = sorted
  }
  return sorted
}

/** Nodes whose name contains `filter` (case-insensitive), and every directory above one. */
export function matchingNodes(root: TreeNode, filter: string): Set<TreeNode> | undefined {
  const needle = filter.trim().toLowerCase()
  if (!needle) return undefined
  const kept = new Set<TreeNode>()
  const visit = (node: TreeNode): boolean => {
    let keep = node !== root && node.name.toLowerCase().includes(needle)
    for (const child of node.children ?? []) if (visit(child)) keep = true
    if (keep) kept.add(node)
    return keep
  }
  visit(root)
  return kept
}

export interface FlattenOptions {
  expanded: ReadonlySet<string>
  sort: SortKey
  /** From matchingNodes: when set, only these show, and directories above a match open by themselves. */
  matches?: Set<TreeNode>
}

/** The rows to show, top to bottom: the root's children and, under each open directory, its own. */
export function flattenTree(root: TreeNode, options: FlattenOptions): FlatRow[] {
  const rows: FlatRow[] = []
  const { expanded, sort, matches } = options
  const walk = (node: TreeNode, depth: number, showAll: boolean): void => {
    for (const child of sortedChildren(node, sort)) {
      if (!showAll && matches && !matches.has(child)) continue
      const selfMatch = matches !== undefined && matches.has(child) && !(child.children ?? []).some((c) => matches.has(c))
      const open = child.children !== undefined && (expanded.has(child.path) || (matches !== undefined && !showAll && !selfMatch))
      rows.push({ node: child, depth, expanded: open })
      if (open) walk(child, depth + 1, showAll || selfMatch)
    }
  }
  walk(root, 0, false)
  return rows
}

/** Every directory path: for "expand all" and for small layers, which open fully. */
export function allDirectories(root: TreeNode, limit = Infinity): Set<string> {
  const out = new Set<string>()
  const stack = [...(root.children ?? [])]
  while (stack.length > 0 && out.size < limit) {
    const node = stack.pop()
    if (!node?.children) continue
    out.add(node.path)
    stack.push(...node.children)
  }
  return out
}

/** What opens when a layer is first shown: everything for a small layer, the top level otherwise. */
export function initialExpanded(root: TreeNode, entryCount: number): Set<string> {
  if (entryCount <= 500) return allDirectories(root)
  return new Set((root.children ?? []).filter((c) => c.children).map((c) => c.path))
}

/** `drwxr-xr-x` from a type and permission bits, as `ls -l` shows them. */
export function modeString(type: LayerFileType, mode: number): string {
  const kind = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' }[type]
  const bits = 'rwxrwxrwx'
  let out = kind
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits.charAt(i) : '-'
  return out
}
