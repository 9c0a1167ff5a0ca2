// What one COPY/ADD source contributes, whatever it comes from (the build context, another
// stage's or image's rootfs, a heredoc, a download): a tree of nodes with their metadata and
// where a file's bytes are, ready to be laid onto the destination.

import type { FileContent } from '../../layers'
import type { NodeType } from './layer-tree'

export interface SourceNode {
  readonly name: string
  readonly type: NodeType
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly mtime: number
  readonly size: number
  readonly content?: FileContent
  readonly linkTarget?: string
  readonly devMajor?: number
  readonly devMinor?: number
  readonly xattrs?: Record<string, Buffer>
  /**
   * Names of one inode share a key (the source's first path to it): fsutil's copier links the
   * second copy to the first instead of writing the bytes again.
   */
  readonly inodeKey?: string
  readonly children?: SourceNode[]
}

/** One matched source: a file (or symlink, device...) copied as itself, or a directory's contents. */
export interface SourceItem {
  /** The name the item takes inside a directory destination: the path as named, not its target. */
  readonly name: string
  /** For messages: the source as the Dockerfile wrote it. */
  readonly source: string
  readonly root: SourceNode
  /** ADD may unpack it: a regular file from the context (or a download with --unpack). */
  readonly archiveCandidate?: { readonly path: string }
}

/** Builds the tree of a directory item from a flat walk (parents listed before children). */
export function treeFromFlat(root: SourceNode, flat: readonly { rel: string; node: SourceNode }[]): SourceNode {
  const rootCopy: SourceNode & { children: SourceNode[] } = { ...root, children: [] }
  const dirs = new Map<string, SourceNode & { children: SourceNode[] }>([['', rootCopy]])
  for (const { rel, node } of flat) {
    const slash = rel.lastIndexOf('/')
    const parent = dirs.get(slash < 0 ? '' : rel.slice(0, slash))
    // A node whose directory was left out (excluded) has nowhere to go; the selection keeps
    // needed parents, so this only drops what could not be copied anyway.
    if (parent === undefined) continue
    const copy = node.type === 'dir' ? { ...node, children: [] as SourceNode[] } : node
    parent.children.push(copy)
    if (node.type === 'dir') dirs.set(rel, copy as SourceNode & { children: SourceNode[] })
  }
  return rootCopy
}

/** Linux's major/minor split of a dev_t (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: number): { devMajor: number; devMinor: number } {
  const dev = BigInt(rdev)
  const devMajor = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn))
  const devMinor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn))
  return { devMajor, devMinor }
}
