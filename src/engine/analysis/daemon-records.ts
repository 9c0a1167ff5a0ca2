import type { LayerDiff } from '../layers'
import type { ScanRecord } from './layer-scan'

/**
 * A layer as the Docker daemon's view gives it (a diff against the layers below, file metadata
 * only) turned back into records the waste tree can apply. Removals become whiteouts, parents
 * before children, so a deleted directory is still one group; a directory made opaque, or
 * replaced by a file, is listed by the diff child by child and so grouped per child. Sizes and
 * totals are the same as from the layer tar; contents are not hashed.
 */
export function recordsFromLayerDiff(diff: LayerDiff): ScanRecord[] {
  const removals: ScanRecord[] = []
  const entries: ScanRecord[] = []
  for (const change of diff.changes) {
    const entry = change.entry
    if (change.change === 'removed' || !entry) {
      removals.push({ kind: 'whiteout', path: change.path })
      continue
    }
    const path = change.path
    if (entry.type === 'file') entries.push({ kind: 'file', path, size: entry.size })
    else if (entry.type === 'hardlink' && entry.linkTarget !== undefined) entries.push({ kind: 'hardlink', path, target: entry.linkTarget })
    else if (entry.type === 'dir') entries.push({ kind: 'dir', path })
    else entries.push({ kind: 'other', path })
  }
  return [...removals, ...entries]
}
