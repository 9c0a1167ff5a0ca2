// ADD of a local tar archive: detected by content, unpacked into the destination directory as
// entries of the layer (never as files on the host). The rules are BuildKit's unpack.go /
// unpack_root.go, which extract through an os.Root at the destination:
//
// * names are cleaned and taken relative to the destination; one that climbs out (`../evil`,
//   `a/../../x`) fails the step; a leading `/` is dropped (`/abs` lands at dest/abs);
// * symlinks on the way are followed *inside the destination*: an absolute target restarts at
//   the destination, a relative one that leaves it fails the step; the last component is not
//   followed (an entry replaces a symlink, it does not write through it);
// * entries keep their owner from the archive unless --chown; --chmod does not apply; missing
//   parents are created 0755 root:root, the destination itself 0755 with the --chown owner;
// * an existing entry is replaced, except that a directory meets a directory by taking its
//   mode, owner and time; devices are refused.

import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { posix } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { cleanLayerPath, readTar } from '../../layers'
import type { TarEntry, TarEntryHeader } from '../../layers'
import { openDecompressed } from './archive-stream'
import { joinRel, parentRel } from './image-path'
import type { Inode, LayerTree, NodeMeta } from './layer-tree'
import { TreeError } from './layer-tree'
import type { Owner } from './ownership'

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArchiveError'
  }
}

export interface UnpackOptions {
  readonly chown: Owner | null
  readonly now: number
  /** Where file bodies are kept until the layer is written (names are counters, never archive paths). */
  readonly scratchDir: string
  readonly signal?: AbortSignal
}

/** cleanRootTarPath: relative, clean, '' for the root; refuses names that climb out. */
function cleanArchiveName(name: string): string {
  try {
    return cleanLayerPath(name.replace(/^\/+/, ''))
  } catch {
    throw new ArchiveError(`archive path ${JSON.stringify(name)} is outside extraction root`)
  }
}

/** Go's time bound in unpack_root.go: times before the epoch become the epoch. */
const boundTime = (t: number): number => (t < 0 ? 0 : t)

const TYPEFLAG_CODE: Record<string, number> = { char: 51, block: 52 }

class Extractor {
  private files = 0

  constructor(
    private readonly tree: LayerTree,
    /** The destination directory (resolved, relative to the image root). */
    private readonly root: string,
    private readonly opts: UnpackOptions,
  ) {}

  private full(rel: string): string {
    return joinRel(this.root, rel)
  }

  /** resolveRootPath: symlinks followed within the destination, the leaf only if asked. */
  private async resolve(name: string, followLeaf: boolean): Promise<string> {
    let current = name
    for (let round = 0; round < 255; round++) {
      const parts = current.split('/').filter((p) => p !== '' && p !== '.')
      const resolved: string[] = []
      let followed = false
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string
        const candidate = joinRel(resolved.join('/'), part)
        if (i === parts.length - 1 && !followLeaf) {
          resolved.push(part)
          continue
        }
        const info = await this.tree.lstat(this.full(candidate))
        if (info === undefined) return [...resolved, ...parts.slice(i)].join('/')
        if (info.type !== 'symlink') {
          resolved.push(part)
          continue
        }
        const target = info.linkTarget ?? ''
        let next: string
        if (target.startsWith('/')) next = cleanArchiveName(target)
        else {
          next = posix.normalize(posix.join(parentRel(candidate) || '.', target))
          if (next === '.') next = ''
          if (next === '..' || next.startsWith('../')) throw new ArchiveError(`archive symlink ${JSON.stringify(candidate)} points outside extraction root`)
        }
        const remaining = parts.slice(i + 1).join('/')
        current = joinRel(next, remaining)
        followed = true
        break
      }
      if (!followed) return resolved.join('/')
    }
    throw new ArchiveError(`too many symlinks resolving archive path ${JSON.stringify(name)}`)
  }

  private meta(h: TarEntryHeader, mode: number): NodeMeta {
    return { mode, uid: this.opts.chown?.uid ?? h.uid, gid: this.opts.chown?.gid ?? h.gid, mtime: boundTime(h.mtime) }
  }

  async apply({ header: h, body }: TarEntry): Promise<void> {
    const name = cleanArchiveName(h.name)
    if (name === '') return
    if (h.type === 'char' || h.type === 'block') {
      throw new ArchiveError(`unsupported tar entry ${JSON.stringify(name)} type ${TYPEFLAG_CODE[h.type] ?? 0}`)
    }
    const op = await this.resolve(name, h.type === 'dir')
    if (op === '') return
    // Missing parents: 0755, root-owned (the "implied" owner), whatever --chown says.
    const parts = op.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = this.full(parts.slice(0, i).join('/'))
      const info = await this.tree.lstat(dir)
      if (info === undefined) await this.tree.create(dir, { type: 'dir', meta: { mode: 0o755, uid: 0, gid: 0, mtime: this.opts.now } })
      else if (info.type !== 'dir') throw new ArchiveError(`mkdir ${parts.slice(0, i).join('/')}: not a directory`)
    }
    const path = this.full(op)
    const existing = await this.tree.lstat(path)
    if (existing !== undefined && (existing.type !== 'dir' || h.type !== 'dir')) await this.tree.remove(path)
    const keptDir = existing?.type === 'dir' && h.type === 'dir'
    switch (h.type) {
      case 'dir':
        if (keptDir) await this.tree.setMeta(path, this.meta(h, h.mode))
        else await this.tree.create(path, { type: 'dir', meta: this.meta(h, h.mode) })
        return
      case 'file': {
        const scratch = join(this.opts.scratchDir, `f${++this.files}`)
        await pipeline(Readable.from(body), createWriteStream(scratch), { signal: this.opts.signal })
        await this.tree.create(path, { type: 'file', meta: this.meta(h, h.mode), size: h.size, content: { from: 'file', path: scratch } })
        return
      }
      case 'symlink':
        // Symlinks have no mode of their own on Linux: 0777, as lstat reports it.
        await this.tree.create(path, { type: 'symlink', meta: this.meta(h, 0o777), linkTarget: h.linkname ?? '' })
        return
      case 'fifo':
        await this.tree.create(path, { type: 'fifo', meta: this.meta(h, h.mode) })
        return
      case 'hardlink':
        return this.link(h, path)
    }
  }

  private async link(h: TarEntryHeader, path: string): Promise<void> {
    const linkName = cleanArchiveName(h.linkname ?? '')
    if (linkName === '') throw new ArchiveError(`archive hardlink ${JSON.stringify(h.name)} targets extraction root`)
    const target = this.full(await this.resolve(linkName, false))
    const info = await this.tree.lstat(target)
    if (info === undefined) throw new ArchiveError(`link ${linkName} ${h.name}: no such file or directory`)
    if (info.type === 'dir') throw new ArchiveError(`link ${linkName} ${h.name}: operation not permitted`)
    const inode = (await this.tree.inodeFor(target)) as Inode
    await this.tree.create(path, inode)
    // The link's header applies to the shared inode, as chown/chmod/chtimes on it would.
    inode.meta = { ...inode.meta, uid: this.opts.chown?.uid ?? h.uid, gid: this.opts.chown?.gid ?? h.gid }
    if (inode.type !== 'symlink') inode.meta = { ...inode.meta, mode: h.mode, mtime: boundTime(h.mtime) }
  }
}

/**
 * Unpacks `archivePath` into `dest` if it is a tar archive (plain or compressed) whose first
 * header parses; returns false, having changed nothing, when it is not one.
 */
export async function unpackIfArchive(tree: LayerTree, dest: string, archivePath: string, opts: UnpackOptions): Promise<boolean> {
  const { stream, close } = await openDecompressed(archivePath)
  const entries = readTar(stream)[Symbol.asyncIterator]()
  let next: IteratorResult<TarEntry>
  try {
    next = await entries.next()
  } catch {
    close()
    return false
  }
  if (next.done === true) {
    close()
    return false
  }
  try {
    const root = await tree.resolve(dest, true)
    await tree.mkdirAll(root, { mode: 0o755, uid: opts.chown?.uid ?? 0, gid: opts.chown?.gid ?? 0, mtime: opts.now })
    const extractor = new Extractor(tree, root, opts)
    while (next.done !== true) {
      opts.signal?.throwIfAborted()
      await extractor.apply(next.value)
      next = await entries.next()
    }
  } catch (e) {
    await entries.return?.(undefined)
    close()
    if (e instanceof TreeError) throw new ArchiveError(e.message)
    throw e
  }
  return true
}
