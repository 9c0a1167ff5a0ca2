// What a COPY/ADD/WORKDIR step does to the filesystem it lands on, kept as an overlay "upper
// directory" in memory: the step's own entries on top of the parent rootfs, which is only read.
// The layer is then exactly the upper directory, as BuildKit's differ sees it after the file
// operation: every entry the step wrote, plus each parent directory that had to be copied up
// because something inside it changed — carrying the parent's mode and owner, and the step's
// time when a name was created or removed directly inside it (the kernel bumps that mtime).
//
// Nothing here touches the host filesystem, so no archive entry or symlink can write outside
// the image: a "path" is only ever a key in this map.

import type { FileContent, LayerEntry } from '../../layers'
import { ancestorsRel, joinRel, parentRel } from './image-path'
import type { RootfsEntry, RootfsView } from './rootfs-port'

export type NodeType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo'

export interface NodeMeta {
  mode: number
  uid: number
  gid: number
  /** Whole seconds. */
  mtime: number
}

/** What a name points at; the names of one inode (hard links) share the object. */
export interface Inode {
  type: NodeType
  meta: NodeMeta
  size?: number
  content?: FileContent
  linkTarget?: string
  devMajor?: number
  devMinor?: number
  /** Extended attributes (security.capability...), carried as fsutil's copy and copy-up do. */
  xattrs?: Record<string, Buffer>
}

export interface PathInfo {
  readonly type: NodeType
  readonly linkTarget?: string
  /** The entry is the parent's, not yet touched by this step. */
  readonly fromParent: boolean
}

interface UpperNode {
  inode: Inode
  /** A parent directory carried up because something below it changed. */
  copiedUp: boolean
  /** mtime was set on purpose; creating names inside no longer bumps it. */
  pinned: boolean
  /** Replaces a parent directory this step removed: the parent's children stay hidden. */
  opaque: boolean
  /** A directory the parent never had here: nothing below it can be the parent's. */
  fresh?: boolean
}

export class TreeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TreeError'
  }
}

/** BuildKit's (containerd continuity's) limit on symlinks followed in one path. */
const MAX_LINKS = 255


export class LayerTree {
  private readonly upper = new Map<string, UpperNode>()
  /** Parent paths this step removed (and whether they were directories). */
  private readonly removed = new Map<string, boolean>()

  constructor(
    private readonly parent: RootfsView,
    /** The step's wall-clock time (seconds), for directories it creates or changes. */
    readonly now: number,
  ) {}

  /** Whether the parent's entry at `rel` can still be seen through what this step wrote. */
  private parentVisible(rel: string): boolean {
    if (this.removed.has(rel)) return false
    for (const a of ancestorsRel(rel)) {
      if (this.removed.has(a)) return false
      const up = this.upper.get(a)
      if (up !== undefined && (up.inode.type !== 'dir' || up.opaque || up.fresh === true)) return false
    }
    return true
  }

  private async parentEntry(rel: string): Promise<RootfsEntry | undefined> {
    if (!this.parentVisible(rel)) return undefined
    return this.parent.lookup('/' + rel, { followFinal: false })
  }

  /** lstat in the merged view (the final component is never followed). */
  async lstat(rel: string): Promise<PathInfo | undefined> {
    if (rel === '') return { type: 'dir', fromParent: true }
    const up = this.upper.get(rel)
    if (up !== undefined) return { type: up.inode.type, linkTarget: up.inode.linkTarget, fromParent: false }
    const e = await this.parentEntry(rel)
    return e === undefined ? undefined : { type: e.type, linkTarget: e.linkTarget, fromParent: true }
  }

  /**
   * continuity fs.RootPath: `path` resolved inside the image, symlinks followed (absolute
   * targets restart at the root, `..` stops at it), missing components kept as written.
   */
  async resolve(path: string, followFinal: boolean): Promise<string> {
    const pending = path.split('/')
    const done: string[] = []
    let links = 0
    while (pending.length > 0) {
      const name = pending.shift() as string
      if (name === '' || name === '.') continue
      if (name === '..') {
        done.pop()
        continue
      }
      const last = !pending.some((p) => p !== '' && p !== '.')
      if (last && !followFinal) {
        done.push(name)
        break
      }
      const info = await this.lstat(joinRel(done.join('/'), name))
      if (info?.type !== 'symlink') {
        done.push(name)
        continue
      }
      if (++links > MAX_LINKS) throw new TreeError(`too many links resolving ${path}`)
      const target = info.linkTarget ?? ''
      if (target.startsWith('/')) done.length = 0
      pending.unshift(...target.split('/'))
    }
    return done.join('/')
  }

  /** Carries the parent's directory `rel` into the layer (overlayfs copy-up). */
  private async copyUp(rel: string): Promise<UpperNode> {
    const existing = this.upper.get(rel)
    if (existing !== undefined) {
      if (existing.inode.type !== 'dir') throw new TreeError(`mkdir /${rel}: not a directory`)
      return existing
    }
    const e = await this.parentEntry(rel)
    if (e === undefined) throw new TreeError(`/${rel}: no such file or directory`)
    if (e.type !== 'dir') throw new TreeError(`mkdir /${rel}: not a directory`)
    const node: UpperNode = {
      inode: { type: 'dir', meta: { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime }, xattrs: e.xattrs },
      copiedUp: true,
      pinned: false,
      opaque: false,
    }
    this.upper.set(rel, node)
    return node
  }

  /** Every ancestor copied up; the direct parent's mtime bumped, as creating a name does. */
  private async touchParentOf(rel: string): Promise<void> {
    for (const a of ancestorsRel(rel)) await this.copyUp(a)
    const p = parentRel(rel)
    const node = p === '' ? undefined : this.upper.get(p)
    if (node !== undefined && !node.pinned) node.inode.meta.mtime = this.now
  }

  /** Creates `rel` (nothing may be there: remove it first). Returns the inode. */
  async create(rel: string, inode: Inode): Promise<Inode> {
    if (rel === '') throw new TreeError('cannot replace the root directory')
    await this.touchParentOf(rel)
    const opaque = inode.type === 'dir' && this.removed.get(rel) === true
    // Knowing the parent had nothing here spares a lookup for everything created below.
    const fresh = inode.type === 'dir' && !this.removed.has(rel) && (await this.parentEntry(rel)) === undefined
    this.upper.set(rel, { inode, copiedUp: false, pinned: true, opaque, fresh })
    return inode
  }

  /** os.RemoveAll: whatever is at `rel`, with everything below it. */
  async remove(rel: string): Promise<void> {
    const info = await this.lstat(rel)
    if (info === undefined) return
    await this.touchParentOf(rel)
    const prefix = rel + '/'
    for (const key of [...this.upper.keys()]) if (key === rel || key.startsWith(prefix)) this.upper.delete(key)
    if (info.fromParent || !this.removed.has(rel)) {
      const e = await this.parentEntry(rel)
      if (e !== undefined) this.removed.set(rel, e.type === 'dir')
    }
  }

  /** mkdir -p of a resolved path; directories created get `meta`. */
  async mkdirAll(rel: string, meta: NodeMeta): Promise<void> {
    if (rel === '') return
    for (const p of [...ancestorsRel(rel), rel]) {
      const info = await this.lstat(p)
      if (info === undefined) await this.create(p, { type: 'dir', meta: { ...meta } })
      else if (info.type !== 'dir') throw new TreeError(`mkdir /${p}: not a directory`)
    }
  }

  /** Sets an existing directory's owner, mode and mtime (copying it up if it is the parent's). */
  async setMeta(rel: string, meta: NodeMeta): Promise<void> {
    if (rel === '') return
    await this.touchParentOf(rel)
    const node = this.upper.get(rel) ?? (await this.copyUp(rel))
    node.inode.meta = { ...meta }
    node.pinned = true
  }

  /** The inode at `rel` for a hard link, carrying a parent's file into the layer if need be. */
  async inodeFor(rel: string): Promise<Inode | undefined> {
    const up = this.upper.get(rel)
    if (up !== undefined) return up.inode
    const e = await this.parentEntry(rel)
    if (e === undefined || e.type === 'dir') return undefined
    const parent = this.parent
    const inode: Inode = {
      type: e.type,
      meta: { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime },
      xattrs: e.xattrs,
      devMajor: e.devMajor,
      devMinor: e.devMinor,
      size: e.size,
      linkTarget: e.linkTarget,
    }
    if (e.type === 'file') {
      inode.content =
        e.hostPath !== undefined
          ? { from: 'file', path: e.hostPath }
          : { from: 'stream', open: async function* () { yield (await parent.readFile(e.path)) ?? Buffer.alloc(0) } }
    }
    // The kernel copies the file up when it gains a name; both names then are in the layer.
    await this.touchParentOf(rel)
    this.upper.set(rel, { inode, copiedUp: false, pinned: true, opaque: false })
    return inode
  }

  /** The layer: the upper directory as entries (any order; the writer sorts). */
  entries(): LayerEntry[] {
    const out: LayerEntry[] = []
    const firstName = new Map<Inode, string>()
    for (const [path, node] of this.upper) {
      const { inode } = node
      const first = firstName.get(inode)
      if (first !== undefined) {
        out.push({ type: 'hardlink', path, linkTarget: first })
        continue
      }
      firstName.set(inode, path)
      const meta = { path, ...inode.meta, ...(inode.xattrs && Object.keys(inode.xattrs).length > 0 ? { xattrs: inode.xattrs } : {}) }
      switch (inode.type) {
        case 'dir':
          out.push({ ...meta, type: 'dir' })
          if (node.opaque) out.push({ type: 'opaque', path })
          break
        case 'file':
          out.push({ ...meta, type: 'file', size: inode.size ?? 0, content: inode.content ?? { from: 'bytes', bytes: new Uint8Array() } })
          break
        case 'symlink':
          out.push({ ...meta, type: 'symlink', linkTarget: inode.linkTarget ?? '' })
          break
        case 'fifo':
          out.push({ ...meta, type: 'fifo' })
          break
        default:
          out.push({ ...meta, type: inode.type, devMajor: inode.devMajor ?? 0, devMinor: inode.devMinor ?? 0 })
      }
    }
    for (const [path] of this.removed) {
      if (!this.upper.has(path) && !ancestorsRel(path).some((a) => this.removed.has(a) && !this.upper.has(a))) {
        out.push({ type: 'whiteout', path })
      }
    }
    return out
  }
}
