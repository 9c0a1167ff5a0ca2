import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, copyFileSync, constants, lchownSync, linkSync, lutimesSync, mkdirSync, symlinkSync, utimesSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { makeNodeWithCommands } from '../layers'
import type { RootfsEntry, RootfsView } from '../rootfs'

/** OCI ChainID: what identifies a stack of layers (image-spec config.md). */
export function chainId(diffIds: readonly string[]): string {
  let chain: string | undefined
  for (const diffId of diffIds) chain = chain === undefined ? diffId : `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}`
  return chain ?? 'scratch'
}

const TEMP_PREFIX = '.tmp-'
/** Merged lowers nobody used for this long are removed when a new one is made. */
const UNUSED_MS = 24 * 60 * 60 * 1000

/**
 * The parent filesystem of a RUN as one plain directory, ready to be an overlay lowerdir.
 *
 * Snapshots keep whiteouts as `.wh.` marker files, and overlayfs would show those as files:
 * it wants 0/0 character devices and `trusted.overlay.opaque` xattrs instead, and Node can
 * set no xattr. Rather than convert each snapshot (and still need an xattr for every opaque
 * directory), the merged view — whiteouts, opaque and implicit directories already applied — is
 * materialised once per chain of layers: directories are created with the image's owners,
 * modes and times, regular files are hard links to the snapshot's inodes (no bytes copied),
 * symlinks and device nodes are recreated. Deleted paths are simply absent, so nothing below a
 * deletion or an opaque directory can show through, and the overlay needs a single lowerdir
 * whatever the number of layers. Cached by ChainID under `dir`, shared by concurrent runs and
 * processes (built aside, renamed into place); never written to once complete.
 *
 * Known gaps: extended attributes (e.g. security.capability) are not recreated, since the
 * snapshots do not carry them on disk either; an unprivileged merge cannot chown, so everything
 * belongs to the invoking user (who is root in the sandbox) and directories stay owner-writable.
 */
export class MergedLowers {
  private readonly inflight = new Map<string, Promise<string>>()
  private swept = false

  constructor(
    private readonly dir: string,
    private readonly privileged: boolean,
  ) {}

  /** The merged directory for `rootfs`, materialised on first use. */
  async ensure(rootfs: RootfsView): Promise<string> {
    const name = chainId(rootfs.diffIds).replace(/^sha256:/, '')
    const target = join(this.dir, name)
    let pending = this.inflight.get(target)
    if (!pending) {
      pending = this.materialise(rootfs, target).finally(() => this.inflight.delete(target))
      this.inflight.set(target, pending)
    }
    return pending
  }

  private async materialise(rootfs: RootfsView, target: string): Promise<string> {
    if (await isDir(target)) {
      const now = new Date()
      await utimes(target, now, now) // used: keeps it from being swept
      return target
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await this.sweep()
    const temp = join(this.dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
    try {
      await writeTree(rootfs, temp, this.privileged)
      try {
        await rename(temp, target)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
        await rm(temp, { recursive: true, force: true }) // another process made the same one first
      }
    } catch (error) {
      await rm(temp, { recursive: true, force: true })
      throw error
    }
    const now = new Date()
    await utimes(target, now, now)
    return target
  }

  /** Removes leftovers of dead processes and merged lowers unused for a day (once per process). */
  private async sweep(): Promise<void> {
    if (this.swept) return
    this.swept = true
    const cutoff = Date.now() - UNUSED_MS
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name)
      if (name.startsWith(TEMP_PREFIX)) {
        const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1])
        if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await rm(path, { recursive: true, force: true })
        continue
      }
      const stats = await stat(path).catch(() => undefined)
      if (stats && stats.mtimeMs < cutoff) await rm(path, { recursive: true, force: true }).catch(() => undefined)
    }
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Writes the merged tree into `root` (which must not exist). Synchronous calls, sliced. */
async function writeTree(rootfs: RootfsView, root: string, privileged: boolean): Promise<void> {
  mkdirSync(root, { mode: 0o755 })
  chmodSync(root, 0o755)
  const dirs: [string, RootfsEntry][] = []
  let sliceStart = performance.now()
  for await (const entry of rootfs.walk('/')) {
    const host = join(root, entry.path)
    switch (entry.type) {
      case 'dir':
        mkdirSync(host, { mode: 0o700 })
        dirs.push([host, entry])
        break
      case 'file':
        linkOrCopy(entry, host, privileged)
        break
      case 'symlink':
        symlinkSync(entry.linkTarget ?? '', host)
        if (privileged) lchownSync(host, entry.uid, entry.gid)
        lutimesSync(host, entry.mtime, entry.mtime)
        break
      case 'char':
      case 'block':
      case 'fifo':
        // Without root a device node cannot be made (the snapshot only recorded it): leave it out.
        if (!privileged && entry.type !== 'fifo') break
        await makeNodeWithCommands(host, entry.type, entry.mode, entry.devMajor ?? 0, entry.devMinor ?? 0)
        if (privileged) lchownSync(host, entry.uid, entry.gid)
        chmodSync(host, entry.mode & 0o7777)
        utimesSync(host, entry.mtime, entry.mtime)
        break
    }
    if (performance.now() - sliceStart > 8) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      sliceStart = performance.now()
    }
  }
  // Attributes last and deepest first: creating children bumps mtimes, read-only dirs refuse them.
  for (let i = dirs.length - 1; i >= 0; i--) {
    const [host, entry] = dirs[i] as [string, RootfsEntry]
    if (privileged) lchownSync(host, entry.uid, entry.gid)
    chmodSync(host, privileged ? entry.mode & 0o7777 : (entry.mode & 0o7777) | 0o700)
    utimesSync(host, entry.mtime, entry.mtime)
  }
}

/**
 * A hard link to the snapshot's inode, which (extracted as root) has the image's owner, mode and
 * time already. A copy where a link cannot be made: another filesystem, the inode's link limit
 * (a busybox binary is linked hundreds of times per merged tree), or protected_hardlinks.
 */
function linkOrCopy(entry: RootfsEntry, host: string, privileged: boolean): void {
  const source = entry.hostPath
  if (source === undefined) throw new Error(`${entry.path}: no file in the snapshot`)
  try {
    linkSync(source, host)
    return
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EXDEV' && code !== 'EMLINK' && code !== 'EPERM') throw error
  }
  copyFileSync(source, host, constants.COPYFILE_EXCL)
  if (privileged) lchownSync(host, entry.uid, entry.gid)
  chmodSync(host, privileged ? entry.mode & 0o7777 : (entry.mode & 0o7777) | 0o400)
  utimesSync(host, entry.mtime, entry.mtime)
}
