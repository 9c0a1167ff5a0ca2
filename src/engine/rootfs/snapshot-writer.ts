import { chmodSync, closeSync, constants, copyFileSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, symlinkSync, unlinkSync, utimesSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ExtractError, OPAQUE_MARKER, WHITEOUT_PREFIX, classifyWhiteout, cleanLayerPath, makeNodeWithCommands, resolveDirInRoot, type MakeNode, type TarEntryHeader } from '../layers'
import type { IndexRecord } from './snapshot-index'
import type { DiskPolicy } from './snapshot-io'

/** Files up to this size are buffered and written in one synchronous go. */
const SMALL_FILE = 1 << 20

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')))
const baseOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1)
const joinPath = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`)

export interface WriterOptions {
  makeNode?: MakeNode
  writeXattrs?: (path: string, xattrs: Record<string, Buffer>) => Promise<void>
  lowerFile?: (path: string) => Promise<{ hostPath: string; record: IndexRecord } | undefined>
}

/**
 * Writes one layer's members into an empty snapshot directory and records what each is. The
 * layer's own entries only: whiteouts and opaque markers stay the empty `.wh.` files they are in
 * the tar, since nothing lower exists here to apply them to. Parent paths are resolved inside
 * `root` as in a chroot (safe-path), so no name or symlink reaches outside it, and the last
 * component is never followed (a file replaces a symlink, it does not write through it).
 */
export class SnapshotWriter {
  readonly entries = new Map<string, IndexRecord>()
  readonly whiteouts = new Set<string>()
  readonly opaque = new Set<string>()
  fileBytes = 0
  private readonly dirAttributes = new Map<string, { mode: number; mtime: number }>()
  private readonly dirCache = new Map<string, string>()

  constructor(
    private readonly root: string,
    private readonly disk: DiskPolicy,
    private readonly options: WriterOptions = {},
  ) {}

  /** One tar member, at its clean layer path (not the root). */
  async apply(path: string, h: TarEntryHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const whiteout = classifyWhiteout(path)
    if (whiteout?.kind === 'meta') return
    if (whiteout?.kind === 'opaque') {
      const dir = await this.resolveDir(whiteout.dir)
      this.opaque.add(this.relativeOf(dir))
      return marker(join(dir, OPAQUE_MARKER))
    }
    const dir = await this.resolveDir(parentOf(whiteout?.kind === 'whiteout' ? whiteout.target : path))
    const name = baseOf(whiteout?.kind === 'whiteout' ? whiteout.target : path)
    const rel = joinPath(this.relativeOf(dir), name)
    if (whiteout?.kind === 'whiteout') {
      this.whiteouts.add(rel)
      return marker(join(dir, WHITEOUT_PREFIX + name))
    }
    await this.create(h, body, rel, join(dir, name))
  }

  /** Directory modes and times, last: writing children bumps mtimes, and read-only dirs refuse them. */
  finish(): void {
    for (const [host, { mode, mtime }] of this.dirAttributes) {
      chmodSync(host, this.disk.dirMode(mode))
      utimesSync(host, mtime, mtime)
    }
  }

  private async create(h: TarEntryHeader, body: AsyncIterable<Buffer>, rel: string, host: string): Promise<void> {
    const disk = this.disk
    const record: IndexRecord = { type: 'file', mode: h.mode, uid: h.uid, gid: h.gid, size: 0, mtime: h.mtime }
    const xattrs = Object.entries(h.xattrs)
    if (xattrs.length > 0) record.xattrs = Object.fromEntries(xattrs.map(([k, v]) => [k, v.toString('base64')]))
    switch (h.type) {
      case 'dir':
        if (!(await this.removeExisting(rel, host, true))) mkdirSync(host, { mode: 0o700 })
        if (disk.needsChown(h.uid, h.gid)) lchownSync(host, h.uid, h.gid)
        this.dirAttributes.set(host, { mode: h.mode, mtime: h.mtime })
        this.entries.set(rel, { ...record, type: 'dir' })
        break
      case 'file': {
        await this.removeExisting(rel, host, false)
        this.entries.set(rel, { ...record, size: h.size })
        this.fileBytes += h.size
        if (h.size > SMALL_FILE) await disk.writeFile(host, body, h)
        else {
          const chunks: Buffer[] = []
          for await (const chunk of body) chunks.push(chunk)
          disk.writeFileSync(host, chunks, h)
        }
        break
      }
      case 'symlink':
        await this.removeExisting(rel, host, false)
        symlinkSync(h.linkname ?? '', host)
        this.dirCache.clear()
        if (disk.needsChown(h.uid, h.gid)) lchownSync(host, h.uid, h.gid)
        lutimesSync(host, h.mtime, h.mtime)
        this.entries.set(rel, { ...record, type: 'symlink', linkTarget: h.linkname ?? '' })
        return // symlinks carry no xattrs we could write
      case 'hardlink':
        return this.hardlink(h, rel, host)
      case 'char':
      case 'block':
      case 'fifo': {
        await this.removeExisting(rel, host, false)
        const device = h.type === 'fifo' ? {} : { devMajor: h.devmajor ?? 0, devMinor: h.devminor ?? 0 }
        this.entries.set(rel, { ...record, type: h.type, ...device })
        // Unprivileged, a device is only recorded: mknod would fail, and nothing reads its bytes.
        if (h.type !== 'fifo' && !disk.privileged) return
        await (this.options.makeNode ?? makeNodeWithCommands)(host, h.type, disk.fileMode(h.mode), h.devmajor ?? 0, h.devminor ?? 0)
        if (disk.needsChown(h.uid, h.gid)) lchownSync(host, h.uid, h.gid)
        chmodSync(host, disk.fileMode(h.mode))
        utimesSync(host, h.mtime, h.mtime)
        break
      }
    }
    if (xattrs.length > 0 && this.options.writeXattrs) await this.options.writeXattrs(host, h.xattrs)
  }

  private async hardlink(h: TarEntryHeader, rel: string, host: string): Promise<void> {
    let target: string
    try {
      target = cleanLayerPath(h.linkname ?? '')
    } catch {
      throw new ExtractError(h.name, `refusing a hard link to ${JSON.stringify(h.linkname)}, outside the layer`)
    }
    if (target === '') throw new ExtractError(h.name, 'refusing a hard link to the root directory')
    const targetDir = await resolveDirInRoot(this.root, parentOf(target), { create: false, symlinkedParents: 'follow-within-root' })
    const targetRel = targetDir === undefined ? undefined : joinPath(this.relativeOf(targetDir), baseOf(target))
    const own = targetRel === undefined ? undefined : this.entries.get(targetRel)
    if (own?.type === 'dir') throw new ExtractError(h.name, `hard link target ${JSON.stringify(h.linkname)} is a directory`)
    if (targetRel === rel) return
    if (own && targetDir !== undefined) {
      await this.removeExisting(rel, host, false)
      // An unprivileged snapshot records devices without creating them: nothing to link then.
      if (!(own.type === 'char' || own.type === 'block') || this.disk.privileged) linkSync(join(targetDir, baseOf(target)), host)
      this.entries.set(rel, { ...own })
      return
    }
    const lower = await this.options.lowerFile?.(target)
    if (!lower) throw new ExtractError(h.name, `hard link target ${JSON.stringify(h.linkname)} does not exist`)
    await this.removeExisting(rel, host, false)
    // A copy, not a link: the lower snapshot is shared and must never change through this name.
    copyFileSync(lower.hostPath, host, constants.COPYFILE_EXCL)
    const { mode, uid, gid, mtime } = lower.record
    if (this.disk.needsChown(uid, gid)) lchownSync(host, uid, gid)
    chmodSync(host, this.disk.fileMode(mode))
    utimesSync(host, mtime, mtime)
    const { implicit: _implicit, ...copied } = lower.record
    this.entries.set(rel, copied)
    this.fileBytes += lower.record.size
  }

  /** Remove what an earlier member of this layer put at `rel`; a directory stays when asked. */
  private async removeExisting(rel: string, host: string, keepDir: boolean): Promise<boolean> {
    const existing = this.entries.get(rel)
    if (!existing) return false
    if (existing.type === 'dir') {
      if (keepDir) return true
      await rm(host, { recursive: true, force: true })
      const below = `${rel}/`
      for (const set of [this.entries, this.whiteouts, this.opaque]) for (const key of set.keys()) if (key.startsWith(below)) set.delete(key)
      this.opaque.delete(rel)
      for (const dir of this.dirAttributes.keys()) if (dir === host || dir.startsWith(`${host}/`)) this.dirAttributes.delete(dir)
      this.dirCache.clear()
    } else {
      // Devices are only recorded when unprivileged: then there is nothing on disk.
      if (existing.type !== 'char' && existing.type !== 'block') unlinkSync(host)
      else if (this.disk.privileged) unlinkSync(host)
      if (existing.type === 'symlink') this.dirCache.clear()
    }
    this.entries.delete(rel)
    return false
  }

  private relativeOf(hostDir: string): string {
    return hostDir === this.root ? '' : hostDir.slice(this.root.length + 1)
  }

  private async resolveDir(dir: string): Promise<string> {
    const cached = this.dirCache.get(dir)
    if (cached !== undefined) return cached
    const onCreate = (created: string): void => {
      this.entries.set(this.relativeOf(created), { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, implicit: true })
    }
    const resolved = await resolveDirInRoot(this.root, dir, { create: true, symlinkedParents: 'follow-within-root', onCreate })
    if (resolved === undefined) throw new Error(`cannot create directory ${JSON.stringify(dir)}`)
    this.dirCache.set(dir, resolved)
    return resolved
  }
}

/** An empty `.wh.` marker, as the tar has it (a repeated marker is harmless). */
function marker(path: string): void {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600))
}
