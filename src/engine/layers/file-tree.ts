import type { FileTreeEntry, FileTreeNode } from './file-tree-model'
import { cleanArchivePath } from './layer-paths'
import { TarFormatError, readLayer, type ReadTarOptions } from './tar-reader'
import { classifyWhiteout } from './whiteouts'
import type { ByteSource } from './byte-reader'

/** One member of a layer as the file-tree model sees it. */
export type LayerRecord =
  | { kind: 'entry'; entry: FileTreeEntry }
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; path: string }

/**
 * The records of a layer blob (gzipped or plain), streamed; file data is skipped, never held.
 * Names that climb out with '..' are an error here too: a tree must not show what extraction
 * would refuse.
 */
export async function* layerRecords(source: ByteSource, options: ReadTarOptions = {}): AsyncGenerator<LayerRecord> {
  for await (const { header } of readLayer(source, options)) {
    const path = cleanArchivePath(header.name)
    if (path === undefined) throw new TarFormatError(`layer entry ${JSON.stringify(header.name)} climbs out of the root`)
    if (path === '') continue
    const whiteout = classifyWhiteout(path)
    if (whiteout?.kind === 'meta') continue
    if (whiteout?.kind === 'whiteout') yield { kind: 'whiteout', path: whiteout.target }
    else if (whiteout?.kind === 'opaque') yield { kind: 'opaque', path: whiteout.dir }
    else {
      const entry: FileTreeEntry = { path, type: header.type, mode: header.mode, uid: header.uid, gid: header.gid, size: header.size }
      if (header.linkname !== undefined) {
        entry.linkTarget = header.type === 'hardlink' ? (cleanArchivePath(header.linkname) ?? header.linkname) : header.linkname
      }
      yield { kind: 'entry', entry }
    }
  }
}

/** A path in the merged tree; `layer` is the index of the layer that last wrote it. */
export interface TreeNode {
  entry: FileTreeEntry
  layer: number
  children?: Map<string, TreeNode>
}

export const implicitDir = (path: string): FileTreeEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 })

/**
 * The union filesystem as a tree of nodes: lookups split the path once and walk maps, and a
 * directory's subtree is at hand when a whiteout or a replacement removes it.
 */
export class MergedTree {
  readonly root: TreeNode = { entry: implicitDir(''), layer: -1, children: new Map() }

  get(path: string): TreeNode | undefined {
    if (path === '') return this.root
    let node: TreeNode | undefined = this.root
    for (const name of path.split('/')) {
      node = node.children?.get(name)
      if (!node) return undefined
    }
    return node
  }

  /** Detach the node at `path` and return it (with its subtree), if any. */
  remove(path: string): TreeNode | undefined {
    const slash = path.lastIndexOf('/')
    const parent = this.get(slash < 0 ? '' : path.slice(0, slash))
    const name = path.slice(slash + 1)
    const node = parent?.children?.get(name)
    if (node) parent?.children?.delete(name)
    return node
  }

  /** Every node under `node`, depth first, with its path. */
  static *descendants(node: TreeNode): Generator<TreeNode> {
    if (!node.children) return
    for (const child of node.children.values()) {
      yield child
      yield* MergedTree.descendants(child)
    }
  }

  /** The merged view as JSON-able nodes, children sorted by name, directory sizes rolled up. */
  toFileTree(): FileTreeNode {
    return toNode(this.root, '')
  }
}

const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

function toNode(node: TreeNode, name: string): FileTreeNode {
  const { path, type, mode, uid, gid, size, linkTarget } = node.entry
  const out: FileTreeNode = { name, path, type, mode, uid, gid, size, layer: node.layer, totalSize: size }
  if (linkTarget !== undefined) out.linkTarget = linkTarget
  if (node.children) {
    const names = [...node.children.keys()].sort(byName)
    out.children = names.map((childName) => toNode(node.children?.get(childName) as TreeNode, childName))
    out.totalSize = out.children.reduce((sum, child) => sum + child.totalSize, 0)
  }
  return out
}
