// Walks a build context the way BuildKit's client sends it (tonistiigi/fsutil NewFS + filterFS):
// entries in depth-first order with byte-sorted names, lstat'ed (symlinks are never followed),
// .dockerignore patterns applied with MatchesUsingParentResults. An excluded directory is
// skipped outright unless an exception pattern could re-include something below it; then it is
// walked, and reported only if something inside it survives (before that descendant).

import type { BigIntStats, Dirent } from 'node:fs'
import { lstatSync, readdirSync, readlinkSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { compareUtf8 } from './go-path'
import type { MatchInfo } from './pattern-matcher'
import { EMPTY_MATCH_INFO, hasWildcardChars, PatternMatcher, patternWithoutTrailingGlob } from './pattern-matcher'

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket'

export interface ContextEntry {
  /** Path relative to the context root, '/'-separated, no leading `./`. */
  readonly relPath: string
  readonly type: EntryType
  /** Permission bits plus setuid/setgid/sticky (st_mode & 0o7777). */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  /** st_size as lstat reports it (for a symlink, the length of its target). */
  readonly size: number
  readonly mtimeNs: bigint
  readonly ctimeNs: bigint
  readonly ino: bigint
  readonly dev: bigint
  readonly nlink: number
  /** Device number, for char and block devices. */
  readonly rdev: number
  /** The symlink's target exactly as stored (never resolved); null for other types. */
  readonly linkTarget: string | null
  /** fsutil's hard-link detection: the earlier path with the same inode, or null. */
  readonly hardlinkTo: string | null
}

export interface WalkOptions {
  /** .dockerignore patterns (moby/patternmatcher syntax); `!` marks exceptions. */
  readonly excludePatterns?: readonly string[]
}

export class ContextWalkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ContextWalkError'
  }
}

const TYPE_BY_FORMAT: Record<number, EntryType> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o010000: 'fifo',
  0o020000: 'char',
  0o060000: 'block',
  0o140000: 'socket',
}

export function entryFromStats(relPath: string, st: BigIntStats, linkTarget: string | null): ContextEntry {
  const mode = Number(st.mode)
  return {
    relPath,
    type: TYPE_BY_FORMAT[mode & 0o170000] ?? 'file',
    mode: mode & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    ino: st.ino,
    dev: st.dev,
    nlink: Number(st.nlink),
    rdev: Number(st.rdev),
    linkTarget,
    hardlinkTo: null,
  }
}

function isGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code
  // fsutil turns "not exist" and ENOTDIR into SkipDir: things deleted mid-walk just vanish.
  return code === 'ENOENT' || code === 'ENOTDIR'
}

interface Walker {
  readonly matcher: PatternMatcher | null
  /** No exception pattern has wildcards: excluded dirs can be pruned by a prefix test. */
  readonly onlyPrefixExceptions: boolean
  /** Called per entry; yields to the event loop now and then. */
  readonly tick: () => Promise<void> | void
}

/**
 * Synchronous lstat/readdir are ~4x faster than their promise versions for a walk (no thread
 * pool round trip per entry: ~150 ms instead of ~600 ms for 20,000 files); the walk yields to
 * the event loop every few hundred entries so the main process stays responsive.
 */
function yieldingTicker(every = 256): () => Promise<void> | void {
  let n = 0
  return () => {
    if (++n % every === 0) return new Promise<void>((resolve) => setImmediate(resolve))
  }
}

function statEntry(abs: string, rel: string): ContextEntry | null {
  try {
    const st = lstatSync(abs, { bigint: true })
    const target = st.isSymbolicLink() ? readlinkSync(abs) : null
    return entryFromStats(rel, st, target)
  } catch (e) {
    if (isGone(e)) return null
    throw new ContextWalkError(`failed to stat ${rel}: ${(e as Error).message}`, { cause: e })
  }
}

/** filterFS's shortcut: may anything below excluded directory `rel` be re-included? */
function exceptionMayMatchBelow(w: Walker, rel: string): boolean {
  const matcher = w.matcher as PatternMatcher
  if (!matcher.exclusions) return false
  const dirSlash = rel + '/'
  return matcher.patterns.some((p) => p.exclusion && (patternWithoutTrailingGlob(p) + '/').startsWith(dirSlash))
}

/** An excluded directory being searched for exceptions; reported once something inside is. */
interface PendingDir {
  readonly abs: string
  readonly rel: string
  reported: boolean
}

async function visitDir(
  w: Walker,
  abs: string,
  rel: string,
  parentInfo: MatchInfo,
  pending: PendingDir[],
  out: ContextEntry[],
): Promise<void> {
  let dirents: Dirent[]
  try {
    dirents = readdirSync(abs, { withFileTypes: true })
  } catch (e) {
    if (isGone(e)) return
    // fsutil ignores permission errors on a directory that is excluded anyway.
    const code = (e as NodeJS.ErrnoException).code
    if ((code === 'EACCES' || code === 'EPERM') && pending.at(-1)?.rel === rel) return
    throw new ContextWalkError(`failed to read directory ${rel === '' ? '.' : rel}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  dirents.sort((a, b) => compareUtf8(a.name, b.name))
  // `abs` is absolute and normalised (a realpath, then names from readdir), so a plain
  // concatenation is the join: path.join's normalising was ~10% of a 20,000-file walk.
  const dirPrefix = abs.endsWith(path.sep) ? abs : abs + path.sep
  for (const d of dirents) {
    // Only an actual yield is awaited: `await undefined` costs a microtask turn per entry.
    const pause = w.tick()
    if (pause !== undefined) await pause
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`
    const childAbs = dirPrefix + d.name
    const isDir = d.isDirectory()
    let info = EMPTY_MATCH_INFO
    if (w.matcher !== null) {
      const m = w.matcher.matchesUsingParentResults(childRel, parentInfo)
      info = m.info
      if (m.matched) {
        if (!isDir) continue
        if (w.onlyPrefixExceptions && !exceptionMayMatchBelow(w, childRel)) continue
        // Search it for re-included entries without reporting it yet.
        await visitDir(w, childAbs, childRel, info, [...pending, { abs: childAbs, rel: childRel, reported: false }], out)
        continue
      }
    }
    const entry = statEntry(childAbs, childRel)
    if (entry === null) continue
    for (const p of pending) {
      if (p.reported) continue
      p.reported = true
      const parent = statEntry(p.abs, p.rel)
      if (parent !== null) out.push(parent)
    }
    out.push(entry)
    if (entry.type === 'dir') await visitDir(w, childAbs, childRel, info, [], out)
  }
}

/** fsutil marks a later path to an already-seen inode (nlink > 1) as a hard link to the first. */
function markHardlinks(entries: ContextEntry[]): ContextEntry[] {
  const seen = new Map<string, string>()
  return entries.map((e) => {
    if (e.type === 'dir' || e.type === 'symlink' || e.nlink < 2) return e
    const key = `${e.dev}:${e.ino}`
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, e.relPath)
      return e
    }
    return { ...e, hardlinkTo: first }
  })
}

/** The context root with symlinks resolved (fsutil EvalSymlinks), checked to be a directory. */
export async function resolveContextRoot(contextDir: string): Promise<string> {
  let root: string
  try {
    root = await realpath(contextDir)
  } catch (e) {
    throw new ContextWalkError(`failed to resolve ${contextDir}: ${(e as Error).message}`, { cause: e })
  }
  const st = await stat(root)
  if (!st.isDirectory()) throw new ContextWalkError(`stat ${root}: not a directory`)
  return root
}

/** Every entry BuildKit would receive from `contextDir` (the root itself is not an entry). */
export async function walkContext(contextDir: string, opts: WalkOptions = {}): Promise<ContextEntry[]> {
  const root = await resolveContextRoot(contextDir)
  const patterns = opts.excludePatterns ?? []
  let matcher: PatternMatcher | null
  try {
    matcher = patterns.length > 0 ? new PatternMatcher(patterns) : null
  } catch (e) {
    // fsutil's wording; Go prints a []string as [a b c].
    throw new ContextWalkError(`invalid excludepatterns: [${patterns.join(' ')}]: ${(e as Error).message}`, { cause: e })
  }
  const onlyPrefixExceptions =
    matcher === null || !matcher.patterns.some((p) => p.exclusion && hasWildcardChars(patternWithoutTrailingGlob(p)))
  const entries: ContextEntry[] = []
  await visitDir({ matcher, onlyPrefixExceptions, tick: yieldingTicker() }, root, '', EMPTY_MATCH_INFO, [], entries)
  return markHardlinks(entries)
}

/**
 * Where a symlink points, lexically, relative to the context root; null when the target lies
 * outside the context (absolute or climbing above the root). Copying code must never write
 * through such a link; BuildKit itself resolves absolute targets against the context root.
 */
export function symlinkTargetInContext(entry: ContextEntry): string | null {
  if (entry.linkTarget === null) return null
  if (entry.linkTarget.startsWith('/')) return null
  const dir = path.posix.dirname(entry.relPath)
  const joined = path.posix.normalize(path.posix.join(dir === '.' ? '' : dir, entry.linkTarget))
  if (joined === '..' || joined.startsWith('../')) return null
  return joined === '.' ? '' : joined.replace(/\/$/, '')
}
