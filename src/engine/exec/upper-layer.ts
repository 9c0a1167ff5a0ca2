import type { Writable } from 'node:stream'
import { directoryEntries, writeLayer, type LayerDigests, type LayerEntry, type WriteLayerOptions } from '../layers'
import { overlayDirXattrs, xattrReaderFrom } from './overlay-xattrs'
import { lowerDirProbe, setAsideRuntimeArtefacts } from './runtime-artefacts'

export interface UpperLayerOptions extends WriteLayerOptions {
  /** The merged parent the run saw (RunResult.lowerDir): tells runtime artefacts from real changes. */
  lowerDir?: string
  /** RunResult.hostRoot: the on-disk owner that is root in the image, written as 0:0. */
  hostRoot?: { uid: number; gid: number }
  /** Keep empty mount points and their copied-up parents (default: set aside). */
  keepRuntimeArtefacts?: boolean
  /** Sockets cannot go into a tar: told about each one left out. */
  onSkip?: (path: string, reason: string) => void
}

/**
 * A run's upper dir as layer entries: 0/0 character devices become `.wh.` whiteouts, directories
 * overlayfs marked opaque get `.wh..wh..opq` (what Docker's overlay2 differ writes for
 * `rm -rf d && mkdir d`), overlayfs' own xattrs are dropped, and runtime mount-point artefacts
 * are set aside, so the layer has the same entries as BuildKit's for the same step.
 *
 * Limitation: only directories' xattrs are read (see overlay-xattrs.ts), so an xattr a RUN puts
 * on a file (setcap's security.capability) is not carried into the layer.
 */
export async function upperDirEntries(upperDir: string, options: Omit<UpperLayerOptions, keyof WriteLayerOptions> = {}): Promise<LayerEntry[]> {
  const xattrs = await overlayDirXattrs(upperDir)
  const { hostRoot } = options
  const entries = await directoryEntries(upperDir, {
    overlayUpper: true,
    readXattrs: xattrReaderFrom(xattrs),
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    ...(hostRoot
      ? {
          transform: (entry: LayerEntry) =>
            'uid' in entry ? { ...entry, uid: entry.uid === hostRoot.uid ? 0 : entry.uid, gid: entry.gid === hostRoot.gid ? 0 : entry.gid } : entry,
        }
      : {}),
  })
  if (options.keepRuntimeArtefacts) return entries
  const clean = entries.map((entry) => ({ entry, path: entry.path, type: entry.type, size: entry.type === 'file' ? entry.size : 0, ...metadata(entry) }))
  const kept = await setAsideRuntimeArtefacts(clean, options.lowerDir === undefined ? undefined : lowerDirProbe(options.lowerDir, hostRoot))
  return kept.map((k) => k.entry)
}

/** Write the layer for a run's upper dir (RunResult.upperDir). */
export async function upperDirToLayer(upperDir: string, destination: Writable | string, options: UpperLayerOptions = {}): Promise<LayerDigests> {
  const { lowerDir, hostRoot, keepRuntimeArtefacts, onSkip, ...writeOptions } = options
  const entries = await upperDirEntries(upperDir, { lowerDir, hostRoot, keepRuntimeArtefacts, onSkip })
  return writeLayer(entries, destination, writeOptions)
}

function metadata(entry: LayerEntry): { mode?: number; uid?: number; gid?: number } {
  return 'mode' in entry ? { mode: entry.mode, uid: entry.uid, gid: entry.gid } : {}
}
