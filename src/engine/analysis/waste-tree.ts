import type { ScanRecord } from './layer-scan'

/** One layer's stored data for one file: hard-linked names in the layer share it. */
export interface Copy {
  layer: number
  size: number
  digest?: string
  /** Names in the merged tree that refer to this copy; the copy is dead at 0. */
  names: number
}

interface Node {
  copy?: Copy
  children?: Map<string, Node>
  /** Set once the node is no longer in the tree (a pending hard link must then not bind). */
  detached?: true
}

/** Where dead copies are grouped: the path a layer overwrote or deleted. */
export interface WasteGroup {
  path: string
  wastedBytes: number
  copies: number
  writtenIn: Set<number>
  removedIn: Set<number>
  unchangedRewrites: number
}

export interface LayerTotals {
  storedBytes: number
  wastedBytes: number
  discardedBytes: number
}

interface Cause {
  layer: number
  /** The group the dead copies go to. */
  group: string
  /** The copy that replaced the one at `group`, when this is an overwrite of a file. */
  replacement?: Copy
}

/**
 * The image's file tree as layers are applied, keeping per path only which copy it shows, and
 * the dead copies grouped by the path whose overwrite or deletion killed them.
 *
 * Layer semantics follow the OCI image spec as the layer engine applies them (layer-diff.ts):
 * a layer's whiteouts and opaque markers hide lower content only, wherever they sit in the tar,
 * so a layer's records are gathered (metadata only) and its deletions applied before its entries.
 * A directory written onto a directory keeps its children; anything else written onto a path
 * replaces the whole subtree.
 */
export class WasteTree {
  private readonly root: Node = { children: new Map() }
  readonly groups = new Map<string, WasteGroup>()
  readonly layers: LayerTotals[] = []

  /** Applies one layer (index = the number of layers applied so far). */
  async apply(records: AsyncIterable<ScanRecord> | Iterable<ScanRecord>): Promise<void> {
    const layer = this.layers.length
    const totals: LayerTotals = { storedBytes: 0, wastedBytes: 0, discardedBytes: 0 }
    this.layers.push(totals)
    const entries: ScanRecord[] = []
    const deletions: ScanRecord[] = []
    for await (const record of records) {
      if (record.kind === 'whiteout' || record.kind === 'opaque') deletions.push(record)
      else entries.push(record)
    }
    for (const record of deletions) {
      if (record.kind === 'whiteout') {
        const node = this.detach(record.path)
        if (node) this.release(node, { layer, group: record.path })
      } else {
        const dir = this.get(record.path)
        if (!dir?.children) continue
        for (const child of dir.children.values()) this.release(child, { layer, group: record.path })
        dir.children.clear()
      }
    }
    const links: { node: Node; target: string }[] = []
    for (const record of entries) {
      const node: Node = {}
      if (record.kind === 'file') {
        node.copy = { layer, size: record.size, names: 1, ...(record.digest === undefined ? {} : { digest: record.digest }) }
        totals.storedBytes += record.size
      } else if (record.kind === 'hardlink') links.push({ node, target: record.target })
      this.put(record.path, node, record.kind === 'dir', layer)
    }
    // A hard link names a copy written earlier in the tar; binding after the layer's entries
    // also finds targets a writer put after the link.
    for (const { node, target } of links) {
      const copy = this.get(target)?.copy
      if (node.detached || !copy) continue
      node.copy = copy
      copy.names++
    }
  }

  /** Visits every live copy once, with the first of its names in path order. */
  *liveCopies(): Generator<{ path: string; copy: Copy }> {
    const seen = new Set<Copy>()
    const walk = function* (node: Node, path: string): Generator<{ path: string; copy: Copy }> {
      if (node.copy && !seen.has(node.copy)) {
        seen.add(node.copy)
        yield { path, copy: node.copy }
      }
      if (!node.children) return
      const names = [...node.children.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      for (const name of names) yield* walk(node.children.get(name) as Node, path === '' ? name : `${path}/${name}`)
    }
    yield* walk(this.root, '')
  }

  has(path: string): boolean {
    return this.get(path) !== undefined
  }

  private get(path: string): Node | undefined {
    if (path === '') return this.root
    let node: Node | undefined = this.root
    for (const name of path.split('/')) {
      node = node.children?.get(name)
      if (!node) return undefined
    }
    return node
  }

  private detach(path: string): Node | undefined {
    const slash = path.lastIndexOf('/')
    const parent = this.get(slash < 0 ? '' : path.slice(0, slash))
    const name = path.slice(slash + 1)
    const node = parent?.children?.get(name)
    if (node) parent?.children?.delete(name)
    return node
  }

  private put(path: string, node: Node, isDir: boolean, layer: number): void {
    const names = path.split('/')
    let parent = this.root
    for (let i = 0; i < names.length - 1; i++) {
      const name = names[i] as string
      let next = parent.children?.get(name)
      if (!next?.children) {
        // A missing parent is created; a non-directory in the way is replaced by one.
        if (next) this.release(next, { layer, group: names.slice(0, i + 1).join('/') })
        next = { children: new Map() }
        parent.children?.set(name, next)
      }
      parent = next
    }
    const name = names[names.length - 1] as string
    const existing = parent.children?.get(name)
    if (isDir) node.children = existing?.children ?? new Map()
    if (existing && !(isDir && existing.children)) this.release(existing, { layer, group: path, ...(node.copy ? { replacement: node.copy } : {}) })
    parent.children?.set(name, node)
  }

  /** Drops `node` and everything under it from the tree, killing copies that lose their last name. */
  private release(node: Node, cause: Cause): void {
    node.detached = true
    const copy = node.copy
    // An empty file stores nothing: its death is no waste and would only add noise.
    if (copy && --copy.names === 0 && copy.size > 0) this.kill(copy, cause)
    for (const child of node.children?.values() ?? []) this.release(child, { layer: cause.layer, group: cause.group })
  }

  private kill(copy: Copy, cause: Cause): void {
    let group = this.groups.get(cause.group)
    if (!group) {
      group = { path: cause.group, wastedBytes: 0, copies: 0, writtenIn: new Set(), removedIn: new Set(), unchangedRewrites: 0 }
      this.groups.set(cause.group, group)
    }
    group.wastedBytes += copy.size
    group.copies++
    group.writtenIn.add(copy.layer)
    group.removedIn.add(cause.layer)
    const replacement = cause.replacement
    if (replacement && replacement.size === copy.size && replacement.digest !== undefined && replacement.digest === copy.digest) group.unchangedRewrites++
    const written = this.layers[copy.layer]
    if (written) written.wastedBytes += copy.size
    const discarding = this.layers[cause.layer]
    if (discarding) discarding.discardedBytes += copy.size
  }
}
