import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, realpath, rm, symlink, utimes } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ByteSource } from './byte-reader'
import { lstatOrUndefined, makeNodeWithCommands, writeNewFile, type MakeNode } from './extract-io'
import { baseName, cleanArchivePath, parentPath } from './layer-paths'
import { resolveDirInRoot, type SymlinkedParents } from './safe-path'
import { readLayer, type ReadTarOptions, type TarEntryHeader } from './tar-reader'
import { classifyWhiteout } from './whiteouts'
import { WriteQueue } from './write-queue'

export { makeNodeWithCommands, type MakeNode, type NodeKind } from './extract-io'

/** Files up to this size are read into memory and written concurrently with later entries. */
const SMALL_FILE = 1 << 20

export interface ExtractOptions extends ReadTarOptions {
  /** lchown entries to their uid/gid. Default: only when running as root (as Docker does). */
  preserveOwners?: boolean
  /**
   * An entry whose parent path goes through a symlink: 'follow-within-root' (default) resolves it
   * as a chroot would, so it lands inside the destination wherever the link points;
   * 'refuse' fails the extraction.
   */
  symlinkedParents?: SymlinkedParents
  /** Small-file writes in flight at once (default 16). */
  concurrency?: number
  /** Char/block devices: default 'create' as root, else 'skip' (with a warning). */
  devices?: 'create' | 'skip' | 'error'
  makeNode?: MakeNode
  /** Receives xattrs of entries that have some; without it they are dropped with a warning. */
  writeXattrs?: (path: string, xattrs: Record<string, Buffer>) => Promise<void>
  onWarning?: (message: string) => void
}

export interface ExtractResult {
  entries: number
  /** Bytes of file data written. */
  bytes: number
  whiteouts: number
  skipped: number
}

export class ExtractError extends Error {
  constructor(
    readonly entry: string,
    reason: string,
    options?: { cause: unknown },
  ) {
    super(`layer entry ${JSON.stringify(entry)}: ${reason}`, options)
    this.name = 'ExtractError'
  }
}

/**
 * Apply a layer (gzipped or plain tar) onto an existing directory with OCI semantics: whiteouts
 * delete lower content, opaque markers clear it, an existing directory meeting a directory entry
 * keeps its content, anything else is replaced. No entry can create, change or delete anything
 * outside `destDir`: names climbing out with '..' are refused, absolute names are taken
 * relative to `destDir`, symlinks on the way are resolved as inside a chroot, and the last
 * component is never followed (a file entry replaces a symlink, it does not write through it).
 */
export async function extractLayer(source: ByteSource, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const root = await realpath(destDir)
  const isRoot = process.getuid?.() === 0
  const owners = options.preserveOwners ?? isRoot
  const devices = options.devices ?? (isRoot ? 'create' : 'skip')
  const makeNode = options.makeNode ?? makeNodeWithCommands
  const symlinkedParents = options.symlinkedParents ?? 'follow-within-root'
  const warn = options.onWarning ?? (() => undefined)
  const result: ExtractResult = { entries: 0, bytes: 0, whiteouts: 0, skipped: 0 }
  // Whiteouts and opaque markers hide lower content only, never what this layer wrote.
  const created = new Set<string>()
  const dirTimes = new Map<string, { mode: number; mtime: number }>() // the last entry for a path wins
  const dirCache = new Map<string, string>()
  const queue = new WriteQueue(options.concurrency ?? 16)
  let warnedXattrs = false

  // Directories this run created: whatever is inside them is in `created`, so looking for an
  // existing entry to replace there needs no lstat (a third of the syscalls of a fresh unpack).
  const fresh = new Set<string>()
  const onCreate = (path: string): void => {
    fresh.add(path)
    created.add(path)
  }
  const resolveDir = async (dir: string, create: boolean): Promise<string | undefined> => {
    const cached = dirCache.get(dir)
    if (cached !== undefined) return cached
    const resolved = await resolveDirInRoot(root, dir, { create, symlinkedParents, onCreate })
    if (resolved !== undefined) dirCache.set(dir, resolved)
    return resolved
  }
  /** Remove whatever is at `path` (never following it); a removed directory or symlink may have been on a cached route. */
  const removeExisting = async (path: string, keepDir: boolean): Promise<boolean> => {
    await queue.waitFor(path)
    if (!created.has(path) && fresh.has(dirname(path))) return false
    const stats = await lstatOrUndefined(path)
    if (!stats) return false
    if (keepDir && stats.isDirectory()) return true
    if (stats.isDirectory() || stats.isSymbolicLink()) dirCache.clear()
    // A recursive removal may reach files still being written: let those finish first.
    if (stats.isDirectory()) await queue.drain()
    fresh.delete(path)
    await rm(path, { recursive: true, force: true })
    return false
  }
  /** Everything under `dir` this layer did not write (recursively, as containerd does). */
  const clearLower = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const child = join(dir, name)
      if (!created.has(child)) await removeExisting(child, false)
      else if ((await lstat(child)).isDirectory()) await clearLower(child)
    }
  }
  const setAttributes = async (path: string, h: TarEntryHeader, symlinkItself: boolean): Promise<void> => {
    // chown first: it clears setuid/setgid, which chmod then puts back.
    if (owners) await lchown(path, h.uid, h.gid)
    if (symlinkItself) {
      await lutimes(path, h.mtime, h.mtime)
      return
    }
    await chmod(path, h.mode)
    await utimes(path, h.mtime, h.mtime)
    await storeXattrs(path, h)
  }
  const storeXattrs = async (path: string, h: TarEntryHeader): Promise<void> => {
    if (Object.keys(h.xattrs).length > 0) {
      if (options.writeXattrs) await options.writeXattrs(path, h.xattrs)
      else if (!warnedXattrs) {
        warnedXattrs = true
        warn(`extended attributes dropped (first on ${JSON.stringify(h.name)}): no xattr writer given`)
      }
    }
  }

  try {
    for await (const { header, body } of readLayer(source, options)) await apply(header, body)
    await queue.drain()
  } finally {
    // Never return (or throw) with writes still running behind the caller's back.
    await queue.settle()
  }
  await applyDirectoryAttributes(dirTimes)
  return result

  async function apply(header: TarEntryHeader, body: AsyncIterable<Buffer>): Promise<void> {
    result.entries++
    const path = cleanArchivePath(header.name)
    try {
      if (path === undefined) throw new ExtractError(header.name, 'refusing a name that climbs out of the destination with ".."')
      if (path === '') return // the root's own entry ("./"): the destination keeps its attributes
      const whiteout = classifyWhiteout(path)
      if (whiteout?.kind === 'meta') {
        result.skipped++
        return
      }
      if (whiteout?.kind === 'opaque') {
        result.whiteouts++
        const dir = await resolveDir(whiteout.dir, true)
        if (dir === undefined) return
        await queue.drain()
        await clearLower(dir)
        return
      }
      if (whiteout?.kind === 'whiteout') {
        result.whiteouts++
        const dir = await resolveDir(parentPath(whiteout.target), false)
        const target = dir === undefined ? undefined : join(dir, baseName(whiteout.target))
        if (target !== undefined && !created.has(target)) await removeExisting(target, false)
        return
      }

      const dir = await resolveDir(parentPath(path), true)
      if (dir === undefined) throw new ExtractError(header.name, 'parent directory could not be created')
      const target = join(dir, baseName(path))
      switch (header.type) {
        case 'dir': {
          if (!(await removeExisting(target, true))) {
            await mkdir(target, { mode: 0o700 })
            fresh.add(target)
          }
          if (owners) await lchown(target, header.uid, header.gid)
          // Mode and mtime at the end: writing children changes the mtime, and a read-only mode
          // would stop a non-root extraction from creating them.
          dirTimes.set(target, { mode: header.mode, mtime: header.mtime })
          break
        }
        case 'file': {
          await removeExisting(target, false)
          result.bytes += header.size
          if (header.size > SMALL_FILE) {
            await writeNewFile(target, body, header, owners)
            await storeXattrs(target, header)
          } else {
            const chunks: Buffer[] = []
            for await (const chunk of body) chunks.push(chunk)
            const write = async (): Promise<void> => {
              await writeNewFile(target, chunks, header, owners)
              await storeXattrs(target, header)
            }
            await queue.add(target, () => write().catch((error: unknown) => {
              throw new ExtractError(header.name, error instanceof Error ? error.message : String(error), { cause: error })
            }))
          }
          break
        }
        case 'symlink': {
          await removeExisting(target, false)
          await symlink(header.linkname ?? '', target)
          dirCache.clear()
          await setAttributes(target, header, true)
          break
        }
        case 'hardlink': {
          const linkPath = cleanArchivePath(header.linkname ?? '')
          if (linkPath === undefined || linkPath === '') {
            throw new ExtractError(header.name, `refusing a hard link to ${JSON.stringify(header.linkname)}, outside the destination`)
          }
          const linkDir = await resolveDir(parentPath(linkPath), false)
          const source = linkDir === undefined ? undefined : join(linkDir, baseName(linkPath))
          // The target may be a small file whose write is still in flight.
          if (source !== undefined) await queue.waitFor(source)
          const sourceStats = source === undefined ? undefined : await lstatOrUndefined(source)
          if (source === undefined || !sourceStats) throw new ExtractError(header.name, `hard link target ${JSON.stringify(header.linkname)} does not exist`)
          if (sourceStats.isDirectory()) throw new ExtractError(header.name, `hard link target ${JSON.stringify(header.linkname)} is a directory`)
          if (source === target) break
          await removeExisting(target, false)
          await link(source, target)
          break
        }
        case 'char':
        case 'block':
        case 'fifo': {
          if (header.type !== 'fifo' && devices !== 'create') {
            if (devices === 'error') throw new ExtractError(header.name, 'device nodes are not allowed here')
            warn(`skipped device node ${JSON.stringify(header.name)} (not running as root)`)
            result.skipped++
            break
          }
          await removeExisting(target, false)
          await makeNode(target, header.type, header.mode, header.devmajor ?? 0, header.devminor ?? 0)
          await setAttributes(target, header, false)
          break
        }
      }
      created.add(target)
    } catch (error) {
      if (error instanceof ExtractError) throw error
      throw new ExtractError(header.name, error instanceof Error ? error.message : String(error), { cause: error })
    }
  }
}

/**
 * Directory modes and mtimes, applied last so no later write inside bumps the mtime again.
 * chmod and utimes do not touch the parent's mtime, so these may run side by side.
 */
async function applyDirectoryAttributes(dirTimes: Map<string, { mode: number; mtime: number }>): Promise<void> {
  const dirs = [...dirTimes]
  for (let i = 0; i < dirs.length; i += 32) {
    await Promise.all(dirs.slice(i, i + 32).map(async ([path, { mode, mtime }]) => {
      // A later entry may have replaced the directory (with a file, a symlink): leave that alone.
      if (!(await lstatOrUndefined(path))?.isDirectory()) return
      await chmod(path, mode)
      await utimes(path, mtime, mtime)
    }))
  }
}
