// The layer of `WORKDIR <path>` (BuildKit: a mkdir -p file operation owned by the USER in
// effect). Missing directories are created 0755, owned by that user (a numeric user without a
// group gets gid = uid; an unknown name falls back to root as BuildKit's reader does); symlinks
// on the way are followed inside the image. An existing directory is left alone, and the layer
// is then empty — BuildKit still commits one. WORKDIR / adds no layer at all in BuildKit; the
// caller should not ask for one (an empty layer is written if it does).

import { writeLayer } from '../../layers'
import type { LayerDigests } from '../../layers'
import { LayerTree } from './layer-tree'
import { resolveOwner } from './ownership'
import type { RootfsView } from './rootfs-port'

export interface WorkdirStepInput {
  /** The new working directory, absolute (already joined to the previous one). */
  path: string
  /** USER in effect ('' for root). */
  user: string
  parent: RootfsView
  out: string
  /** Seconds; default now. */
  timestamp?: number
}

export async function buildWorkdirLayer(input: WorkdirStepInput): Promise<LayerDigests> {
  const now = input.timestamp ?? Math.floor(Date.now() / 1000)
  const owner = input.user === '' ? { uid: 0, gid: 0 } : await resolveOwner(input.parent, input.user, 'root')
  const tree = new LayerTree(input.parent, now)
  const dir = await tree.resolve(input.path, true)
  await tree.mkdirAll(dir, { mode: 0o755, uid: owner.uid, gid: owner.gid, mtime: now })
  return writeLayer(tree.entries(), input.out)
}
