// The received context as BuildKit's contenthash sees it: a tree of entries keyed by path, in
// radix-key order, where symlinks are resolved *inside* the tree (an absolute target or a `..`
// that climbs above the root lands back in the context, as securejoin/getFollowLinks do).

import type { ContextEntry } from './context-walk'
import { comparePaths, goJoin } from './go-path'

/** BuildKit's maxSymlinkLimit. */
const MAX_SYMLINKS = 255

export class TooManyLinksError extends Error {
  constructor() {
    super('too many links')
    this.name = 'TooManyLinksError'
  }
}

/** The context root as a directory entry; its own metadata never reaches BuildKit. */
export const ROOT_ENTRY: ContextEntry = {
  relPath: '',
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeNs: 0n,
  ctimeNs: 0n,
  ino: 0n,
  dev: 0n,
  nlink: 1,
  rdev: 0,
  linkTarget: null,
  hardlinkTo: null,
}

/** `/a/b`, `a/b`, `/` or `` to the relative form used as key (`a/b`, `` for the root). */
export function toRel(p: string): string {
  const j = goJoin('/', p)
  return j === '/' ? '' : j.slice(1)
}

export interface Resolved {
  /** Relative path reached (symlinks followed as asked); '' is the root. */
  readonly path: string
  /** The entry there, or undefined when nothing exists at `path`. */
  readonly entry: ContextEntry | undefined
}

export class ContextTree {
  readonly entries: readonly ContextEntry[]
  private readonly byPath = new Map<string, ContextEntry>()
  private readonly index = new Map<string, number>()
  private readonly children = new Map<string, ContextEntry[]>()

  /** `entries` in any order; they are sorted into BuildKit's order here. */
  constructor(entries: readonly ContextEntry[]) {
    const sorted = [...entries].sort((a, b) => comparePaths(a.relPath, b.relPath))
    this.entries = sorted
    this.children.set('', [])
    sorted.forEach((e, i) => {
      this.byPath.set(e.relPath, e)
      this.index.set(e.relPath, i)
      if (e.type === 'dir') this.children.set(e.relPath, [])
    })
    for (const e of sorted) {
      const slash = e.relPath.lastIndexOf('/')
      const parent = slash < 0 ? '' : e.relPath.slice(0, slash)
      this.children.get(parent)?.push(e)
    }
  }

  /** The entry at a relative path ('' is the root). */
  get(rel: string): ContextEntry | undefined {
    return rel === '' ? ROOT_ENTRY : this.byPath.get(rel)
  }

  /** Direct children of a directory, in BuildKit order. */
  childrenOf(dirRel: string): readonly ContextEntry[] {
    return this.children.get(dirRel) ?? []
  }

  /** Everything below a directory, depth-first in BuildKit order. */
  descendants(dirRel: string): readonly ContextEntry[] {
    if (dirRel === '') return this.entries
    const i = this.index.get(dirRel)
    if (i === undefined) return []
    const prefix = dirRel + '/'
    let end = i + 1
    while (end < this.entries.length && (this.entries[end] as ContextEntry).relPath.startsWith(prefix)) end++
    return this.entries.slice(i + 1, end)
  }

  /** Position of an entry in BuildKit order (-1 for the root, undefined if absent). */
  position(rel: string): number | undefined {
    return rel === '' ? -1 : this.index.get(rel)
  }

  /**
   * contenthash getFollowLinks: resolve `p` component by component, following every symlink
   * met on the way (and the last one only if `followTrailing`), never leaving the tree.
   */
  resolve(p: string, followTrailing: boolean): Resolved {
    const k = toRel(p)
    const direct = this.get(k)
    if (direct !== undefined && (!followTrailing || direct.type !== 'symlink')) return { path: k, entry: direct }
    if (k === '') return { path: '', entry: direct }
    let current = '/'
    let remaining = k
    let links = 0
    let entry: ContextEntry | undefined
    while (remaining !== '') {
      const slash = remaining.indexOf('/')
      const part = slash < 0 ? remaining : remaining.slice(0, slash)
      remaining = slash < 0 ? '' : remaining.slice(slash + 1)
      const next = goJoin('/', current, part)
      entry = this.get(toRel(next))
      if (entry === undefined || entry.type !== 'symlink') {
        current = next
        continue
      }
      if (!followTrailing && remaining === '') {
        current = next
        break
      }
      if (++links > MAX_SYMLINKS) throw new TooManyLinksError()
      const target = entry.linkTarget ?? ''
      remaining = remaining === '' ? target : `${target}/${remaining}`
      if (target.startsWith('/')) current = '/'
    }
    return { path: toRel(current), entry }
  }
}
