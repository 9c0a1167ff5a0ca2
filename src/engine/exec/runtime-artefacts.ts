import { lstat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Paths a container runtime mounts over while a RUN executes. When the image lacks them, the
 * runtime creates empty mount points in the container's upper dir, and those land in the layer:
 * on Docker 20.10 a first RUN on busybox leaves empty `proc/` and `sys/` (and `etc/` copied up
 * for the resolv.conf/hosts binds). They are artefacts of how the step ran, not its content.
 */
export const RUNTIME_MOUNT_DIRS: readonly string[] = ['dev', 'proc', 'sys']
export const RUNTIME_MOUNT_FILES: readonly string[] = ['etc/hosts', 'etc/resolv.conf', 'etc/hostname', '.dockerenv']

/** The minimum of a layer entry this needs: LayerEntry and tar headers both fit. */
export interface ArtefactCandidate {
  type: string
  /** Clean layer path (`etc/hosts`, no leading or trailing slash). */
  path: string
  size?: number
  mode?: number
  uid?: number
  gid?: number
}

/** What the parent had at a path: type and, for directories, owner and mode. */
export interface LowerInfo {
  type: 'dir' | 'file' | 'other'
  mode: number
  uid: number
  gid: number
}
export type LowerProbe = (path: string) => Promise<LowerInfo | undefined> | LowerInfo | undefined

/**
 * The entries without runtime mount-point artefacts: an empty directory at /dev, /proc or /sys,
 * or an empty regular file at a bind target (/etc/hosts...), that the parent did not have; then
 * each parent of such paths (/etc) that holds nothing else in the layer and is itself one the
 * runtime made (absent in the parent) or copied up unchanged (same owner and mode as in the
 * parent, not opaque) — also when the runtime removed its stubs again, as BuildKit does. Without
 * `lower`, every such path counts as new. Real changes at those paths (a file with content, a
 * directory with entries, a deletion) stay.
 */
export async function setAsideRuntimeArtefacts<T extends ArtefactCandidate>(entries: readonly T[], lower?: LowerProbe): Promise<T[]> {
  const paths = entries.map((e) => e.path)
  const hasBelow = (dir: string, except: ReadonlySet<string>): boolean => paths.some((p) => p.startsWith(`${dir}/`) && !except.has(p))
  const absentBelow = async (path: string): Promise<boolean> => !lower || (await lower(path)) === undefined

  const dropped = new Set<string>()
  for (const entry of entries) {
    const isDirStub = entry.type === 'dir' && RUNTIME_MOUNT_DIRS.includes(entry.path) && !hasBelow(entry.path, dropped)
    const isFileStub = entry.type === 'file' && RUNTIME_MOUNT_FILES.includes(entry.path) && (entry.size ?? 0) === 0
    if ((isDirStub || isFileStub) && (await absentBelow(entry.path))) dropped.add(entry.path)
  }
  // Parents that are in the layer only because a stub was made in them (even when the runtime
  // removed the stub again, as BuildKit does), deepest first.
  const parents = [...new Set([...dropped, ...RUNTIME_MOUNT_FILES].flatMap(ancestorsOf))].sort((a, b) => b.length - a.length)
  for (const dir of parents) {
    const entry = entries.find((e) => e.path === dir)
    if (entry?.type !== 'dir' || hasBelow(dir, dropped)) continue
    if (entries.some((e) => e.type === 'opaque' && e.path === dir)) continue
    const before = lower ? await lower(dir) : undefined
    const unchanged = !before || (before.type === 'dir' && same(before, entry))
    if (unchanged) dropped.add(dir)
  }
  return entries.filter((e) => !dropped.has(e.path))
}

const same = (before: LowerInfo, entry: ArtefactCandidate): boolean =>
  (entry.mode === undefined || (entry.mode & 0o7777) === (before.mode & 0o7777)) && (entry.uid ?? before.uid) === before.uid && (entry.gid ?? before.gid) === before.gid

/** `a/b/c` → ['a/b', 'a']. */
function ancestorsOf(path: string): string[] {
  const out: string[] = []
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) out.push(path.slice(0, slash))
  return out
}

/**
 * A LowerProbe over a plain directory (the merged lower a run saw); `hostRoot` is the on-disk
 * owner that means root (unprivileged runs), reported as 0 like the layer's entries.
 */
export function lowerDirProbe(lowerDir: string, hostRoot?: { uid: number; gid: number }): LowerProbe {
  return async (path) => {
    try {
      const stats = await lstat(join(lowerDir, path))
      const uid = hostRoot && stats.uid === hostRoot.uid ? 0 : stats.uid
      const gid = hostRoot && stats.gid === hostRoot.gid ? 0 : stats.gid
      return { type: stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other', mode: stats.mode & 0o7777, uid, gid }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
  }
}
