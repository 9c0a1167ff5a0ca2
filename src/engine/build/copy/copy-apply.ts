// Lays one source item onto the destination the way fsutil's Copy does, in the layer tree:
// the destination (or its parent) created first, a file replacing a file, a directory merged
// into an existing one (nested directories take the source's metadata; the destination
// directory itself keeps its own), and the type clashes fsutil refuses refused with its words.

import type { SourceItem, SourceNode } from './copy-source'
import type { MetaOptions } from './copy-plan'
import { copiedMeta, createdDirMeta, ensuredDestination, targetFor } from './copy-plan'
import { joinRel } from './image-path'
import type { Inode, LayerTree } from './layer-tree'
import { TreeError } from './layer-tree'

function inodeOf(node: SourceNode, opts: MetaOptions): Inode {
  return {
    type: node.type,
    meta: copiedMeta(node, opts),
    size: node.size,
    content: node.content,
    linkTarget: node.linkTarget,
    devMajor: node.devMajor,
    devMinor: node.devMinor,
    xattrs: node.xattrs,
  }
}

/** fsutil copier.copy for one node; `links` maps an inode key to the first path it was copied to. */
async function copyNode(tree: LayerTree, node: SourceNode, target: string, nested: boolean, opts: MetaOptions, links: Map<string, string>): Promise<void> {
  const existing = await tree.lstat(target)
  if (node.type !== 'dir') {
    if (existing?.type === 'dir') throw new TreeError(`cannot replace to directory /${target} with file`)
    if (existing !== undefined) await tree.remove(target)
    if (node.inodeKey !== undefined) {
      const first = links.get(node.inodeKey)
      const inode = first === undefined ? undefined : await tree.inodeFor(first)
      if (inode !== undefined) {
        await tree.create(target, inode)
        return
      }
      links.set(node.inodeKey, target)
    }
    await tree.create(target, inodeOf(node, opts))
    return
  }
  if (existing !== undefined && existing.type !== 'dir') throw new TreeError(`cannot copy to non-directory: /${target}`)
  const meta = copiedMeta(node, opts)
  if (existing === undefined) await tree.create(target, { type: 'dir', meta })
  else if (nested) await tree.setMeta(target, meta)
  for (const child of node.children ?? []) await copyNode(tree, child, joinRel(target, child.name), true, opts, links)
}

/** fsutil Copy of one matched source onto `dest` (absolute, `/`-terminated for a directory). */
export async function applyCopy(tree: LayerTree, dest: string, item: SourceItem, opts: MetaOptions): Promise<void> {
  const dirMeta = createdDirMeta(opts)
  await tree.mkdirAll(await tree.resolve(ensuredDestination(dest), true), dirMeta)
  const resolved = await tree.resolve(dest, true)
  const destInfo = await tree.lstat(resolved)
  const { target, mkdir } = targetFor(item.root.type === 'dir', item.name, resolved, destInfo?.type)
  await tree.mkdirAll(mkdir, dirMeta)
  await copyNode(tree, item.root, target, false, opts, new Map())
}
