import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { RootfsError, type RootfsEntry, type RootfsView } from './rootfs-types'
import { compareNames, type IndexRecord, type LayerIndex } from './snapshot-index'

/** Linux gives up after 40 symlinks in one path lookup (ELOOP). */
const MAX_SYMLINKS = 40
/** readFile is for small files such as /etc/passwd. */
const MAX_READ_BYTES = 64 << 20
/** The root, and directories only implied by entries below them: what containerd creates. */
const IMPLIED_DIR: IndexRecord = { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }

/** One path of the merged filesystem (no symlink resolution: `rel` is a real path). */
interface MergedNode {
  /** Clean layer path of the real location ('' for the root). */
  rel: string
  record: IndexRecord
  /** The layer supplying the record, or -1 for an implied directory. */
  layer: number
  /** Directories: the layers contributing children, topmost first. */
  dirLayers?: number[]
}

/**
 * The layers' union as overlayfs would show it: a layer's entry hides lower ones at the same
 * path (a directory over a directory merges instead), whiteouts hide lower paths, an opaque
 * directory hides lower children. Indexes are in memory, so every answer is computed
 * synchronously and cached for the life of the view.
 */
export class MergedView implements RootfsView {
  readonly diffIds: readonly string[]
  readonly snapshotDirs: readonly string[]
  private readonly nodes = new Map<string, MergedNode | null>()
  private readonly listings = new Map<string, string[]>()

  /** `layers` lowest first, as in the image config. */
  constructor(private readonly layers: readonly LayerIndex[]) {
    this.diffIds = layers.map((l) => l.diffId)
    this.snapshotDirs = layers.map((l) => l.rootfsDir)
  }

  async lookup(path: string, opts: { followFinal?: boolean } = {}): Promise<RootfsEntry | undefined> {
    const asked = cleanContainerPath(path)
    const node = this.resolve(asked, opts.followFinal === true)
    return node && this.toEntry(asked, node)
  }

  async readdir(path: string): Promise<string[]> {
    const asked = cleanContainerPath(path)
    const node = this.resolve(asked, true)
    if (!node) throw new RootfsError('ENOENT', asked, 'no such file or directory')
    if (node.record.type !== 'dir') throw new RootfsError('ENOTDIR', asked, 'not a directory')
    return [...this.list(node)]
  }

  async *walk(path: string): AsyncGenerator<RootfsEntry> {
    const asked = cleanContainerPath(path)
    const top = this.resolve(asked, true)
    if (top?.record.type !== 'dir') return
    // Explicit stack, names pushed in reverse so they pop in order: image trees can be deep.
    const stack: [string, MergedNode][] = []
    const push = (askedDir: string, dir: MergedNode): void => {
      const names = this.list(dir)
      for (let i = names.length - 1; i >= 0; i--) {
        const name = names[i] as string
        const child = this.node(joinRel(dir.rel, name))
        if (child) stack.push([askedDir === '/' ? `/${name}` : `${askedDir}/${name}`, child])
      }
    }
    push(asked, top)
    for (let next = stack.pop(); next; next = stack.pop()) {
      const [childPath, child] = next
      yield this.toEntry(childPath, child)
      if (child.record.type === 'dir') push(childPath, child)
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const asked = cleanContainerPath(path)
    const node = this.resolve(asked, true)
    if (!node) return undefined
    if (node.record.type === 'dir') throw new RootfsError('EISDIR', asked, 'is a directory')
    if (node.record.type !== 'file') throw new RootfsError('EINVAL', asked, `is a ${node.record.type}, not a regular file`)
    if (node.record.size > MAX_READ_BYTES) throw new RootfsError('EFBIG', asked, `is ${node.record.size} bytes, more than readFile reads`)
    return readFile(this.hostPath(node))
  }

  /**
   * Walk `asked` component by component as the kernel would inside a chroot: a symlink restarts
   * from the root when absolute, `..` never climbs above the root, and the last component is
   * followed only when asked. Undefined when something is missing or a parent is not a directory.
   */
  private resolve(asked: string, followFinal: boolean): MergedNode | undefined {
    const pending = asked.split('/').filter((part) => part !== '')
    const resolved: string[] = []
    let node = this.node('')
    let links = 0
    while (pending.length > 0 && node) {
      const name = pending.shift() as string
      if (name === '.') continue
      if (name === '..') {
        resolved.pop()
        node = this.node(resolved.join('/'))
        continue
      }
      if (node.record.type !== 'dir') return undefined
      const child = this.node(joinRel(node.rel, name))
      if (!child) return undefined
      if (child.record.type === 'symlink' && (pending.length > 0 || followFinal)) {
        if (++links > MAX_SYMLINKS) throw new RootfsError('ELOOP', asked, 'too many levels of symbolic links')
        const target = child.record.linkTarget ?? ''
        if (target === '') return undefined // Linux: an empty symlink resolves to ENOENT
        if (target.startsWith('/')) resolved.length = 0
        pending.unshift(...target.split('/').filter((part) => part !== ''))
        node = this.node(resolved.join('/'))
        continue
      }
      resolved.push(name)
      node = child
    }
    return node
  }

  /** The merged node at a real path (no symlinks followed), cached. */
  node(rel: string): MergedNode | undefined {
    const cached = this.nodes.get(rel)
    if (cached !== undefined) return cached ?? undefined
    const computed = rel === '' ? this.rootNode() : this.childNode(rel)
    this.nodes.set(rel, computed ?? null)
    return computed
  }

  private rootNode(): MergedNode {
    const dirLayers: number[] = []
    for (let i = this.layers.length - 1; i >= 0; i--) {
      dirLayers.push(i)
      if (this.layers[i]?.opaque.has('')) break
    }
    return { rel: '', record: IMPLIED_DIR, layer: -1, dirLayers }
  }

  private childNode(rel: string): MergedNode | undefined {
    const slash = rel.lastIndexOf('/')
    const parent = this.node(slash < 0 ? '' : rel.slice(0, slash))
    if (!parent?.dirLayers) return undefined
    const dirLayers: number[] = []
    let explicit: { record: IndexRecord; layer: number } | undefined
    for (const i of parent.dirLayers) {
      const layer = this.layers[i] as LayerIndex
      const record = layer.records.get(rel)
      if (record?.type === 'dir') {
        dirLayers.push(i)
        // An implicit directory is transparent: its metadata comes from the explicit one below.
        if (!record.implicit) explicit ??= { record, layer: i }
        // Deleted or made opaque and recreated in the same layer: nothing lower shows through.
        if (layer.opaque.has(rel) || layer.whiteouts.has(rel)) break
        continue
      }
      if (record) {
        if (dirLayers.length === 0) return { rel, record, layer: i }
        break // a directory above hides it
      }
      if (layer.whiteouts.has(rel)) break
    }
    if (dirLayers.length === 0) return undefined
    return { rel, record: explicit?.record ?? IMPLIED_DIR, layer: explicit?.layer ?? -1, dirLayers }
  }

  private list(dir: MergedNode): string[] {
    const cached = this.listings.get(dir.rel)
    if (cached) return cached
    const names = new Set<string>()
    for (const i of dir.dirLayers ?? []) for (const name of this.layers[i]?.children.get(dir.rel) ?? []) names.add(name)
    const visible = [...names].filter((name) => this.node(joinRel(dir.rel, name)) !== undefined).sort(compareNames)
    this.listings.set(dir.rel, visible)
    return visible
  }

  private hostPath(node: MergedNode): string {
    const layer = this.layers[node.layer]
    if (!layer) throw new Error(`no layer supplies ${node.rel}`)
    return join(layer.rootfsDir, ...node.rel.split('/'))
  }

  private toEntry(asked: string, node: MergedNode): RootfsEntry {
    const r = node.record
    const entry: RootfsEntry = {
      path: asked,
      realPath: `/${node.rel}`,
      type: r.type,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      size: r.type === 'file' ? r.size : 0,
      mtime: r.mtime,
    }
    if (r.type === 'symlink') entry.linkTarget = r.linkTarget ?? ''
    if (r.type === 'file') entry.hostPath = this.hostPath(node)
    if (r.devMajor !== undefined) entry.devMajor = r.devMajor
    if (r.devMinor !== undefined) entry.devMinor = r.devMinor
    if (r.xattrs) entry.xattrs = Object.fromEntries(Object.entries(r.xattrs).map(([k, v]) => [k, Buffer.from(v, 'base64')]))
    return entry
  }
}

/** `/a/./b//c/../d/` → `/a/b/d`; '..' stops at the root; the result always starts with '/'. */
export function cleanContainerPath(path: string): string {
  if (path.includes('\0')) throw new RootfsError('EINVAL', JSON.stringify(path), 'path contains a NUL byte')
  const clean = posix.normalize(`/${path}`)
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean
}

const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`)
