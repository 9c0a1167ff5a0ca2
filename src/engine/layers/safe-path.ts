import { lstat, mkdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so do we. */
const MAX_SYMLINKS = 40

export type SymlinkedParents = 'follow-within-root' | 'refuse'

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsafePathError'
  }
}

export interface ResolveOptions {
  /** Create missing directories (mode 0755, as Docker and containerd do for implied parents). */
  create: boolean
  symlinkedParents: SymlinkedParents
  /** Told about every directory created on the way. */
  onCreate?: (path: string) => void
}

/**
 * The real location of directory `dir` (a clean layer path) under `root`, resolved the way a
 * process chrooted to `root` would see it: symlinks are followed, but absolute targets restart
 * at `root` and `..` never climbs above it (containerd's fs.RootPath, like securejoin). The
 * result is always inside `root`, however hostile the symlinks already on disk are.
 *
 * Returns undefined when a component is missing and `create` is false.
 */
export async function resolveDirInRoot(root: string, dir: string, options: ResolveOptions): Promise<string | undefined> {
  const resolved: string[] = []
  const pending = dir === '' ? [] : dir.split('/')
  let links = 0
  while (pending.length > 0) {
    const name = pending.shift() ?? ''
    if (name === '' || name === '.') continue
    if (name === '..') {
      resolved.pop() // at the root, '..' is the root: the chroot rule
      continue
    }
    const here = join(root, ...resolved, name)
    let stats
    try {
      stats = await lstat(here)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (!options.create) return undefined
      await mkdir(here, { mode: 0o755 })
      options.onCreate?.(here)
      resolved.push(name)
      continue
    }
    if (stats.isDirectory()) {
      resolved.push(name)
      continue
    }
    const shown = [...resolved, name].join('/')
    if (!stats.isSymbolicLink()) throw new UnsafePathError(`"${shown}" is not a directory`)
    if (options.symlinkedParents === 'refuse') throw new UnsafePathError(`"${shown}" is a symlink; refusing to write through it`)
    if (++links > MAX_SYMLINKS) throw new UnsafePathError(`too many levels of symbolic links at "${shown}"`)
    const target = await readlink(here)
    if (target.startsWith('/')) resolved.length = 0
    pending.unshift(...target.split('/'))
  }
  return join(root, ...resolved)
}
