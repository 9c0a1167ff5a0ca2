// Which context entries a COPY/ADD copies, following BuildKit (dockerfile2llb dispatchCopy,
// the file-op backend's docopy, fsutil copy.Copy):
//
// * A source is made absolute and cleaned against the context root (`system.NormalizePath`), so
//   `../x`, `/x` and `x/` all mean `/x`: nothing can climb out of the context.
// * Wildcards (`*`, `?`, `[...]`, Go filepath.Match rules) apply from the first component that
//   has one; the literal part before it is resolved through symlinks (inside the context). Each
//   match is then copied as if named, symlinks followed. A wildcard matching nothing is fine.
// * A directory copies its contents; a file copies itself; symlinks inside a copied directory
//   stay symlinks.
// * --exclude patterns (patternmatcher syntax) apply relative to each copied source; an excluded
//   directory is still searched, and recreated only if something inside it is copied.

import type { ContextTree, Resolved } from './context-tree'
import { toRel } from './context-tree'
import type { ContextEntry } from './context-walk'
import { asCopySourceError, CopySourceError, noSuchFile, notFound } from './errors'
import { containsWildcards, goMatch } from './go-match'
import { goClean, goJoin } from './go-path'
import type { MatchInfo } from './pattern-matcher'
import { EMPTY_MATCH_INFO, PatternMatcher } from './pattern-matcher'
import type { Selector } from './selection-digest'
import { splitWildcards } from './selection-digest'

export interface NormalizedSource {
  /** The source as written in the instruction. */
  readonly source: string
  /** Absolute and clean inside the context: `/x`, or `/` for the whole context. */
  readonly path: string
  readonly wildcard: boolean
  /** The source climbed above the context (`../x`) and was clamped to the root, as BuildKit does. */
  readonly clamped: boolean
}

export interface CopiedEntry {
  /** Path relative to the copied source (for a directory source: below it). */
  readonly relPath: string
  readonly entry: ContextEntry
}

export interface CopySourceItem {
  readonly source: NormalizedSource
  /** Context-relative path that was named or matched ('' is the context root). */
  readonly path: string
  /** Context-relative path after following symlinks: what is actually copied. */
  readonly resolvedPath: string
  readonly entry: ContextEntry
  /** For a directory, everything copied below it, in BuildKit order; empty otherwise. */
  readonly contents: readonly CopiedEntry[]
}

export interface CopySelection {
  readonly sources: readonly NormalizedSource[]
  readonly items: readonly CopySourceItem[]
  /** Any source used a wildcard. */
  readonly usesWildcard: boolean
  /**
   * More than one source, or a wildcard: the destination must be a directory ending in `/`
   * (enforced by the legacy builder; BuildKit's frontend does not check, the engine should).
   */
  readonly requiresDirectoryDest: boolean
  /** The content-hash selectors BuildKit derives from these sources (for cache keys). */
  readonly selectors: readonly Selector[]
}

export interface CopySourceOptions {
  /** --exclude patterns. */
  readonly exclude?: readonly string[]
  /**
   * What a wildcard that matches nothing does: BuildKit allows it (default); 'error' gives the
   * legacy builder's "no source files were specified".
   */
  readonly emptyWildcard?: 'allow' | 'error'
}

/** system.NormalizePath("/", src, linux, keepSlash=false). */
export function normalizeCopySource(source: string): NormalizedSource {
  const cleaned = goClean(source)
  const clamped = !source.startsWith('/') && (cleaned === '..' || cleaned.startsWith('../'))
  const p = goJoin('/', source)
  return { source, path: p, wildcard: containsWildcards(p), clamped }
}

const slashPath = (rel: string) => '/' + rel

/** fsutil ResolveWildcards: context-relative matches, in walk order. */
function resolveWildcards(tree: ContextTree, src: NormalizedSource): string[] {
  const { d1, d2 } = splitWildcards(src.path)
  const base = tree.resolve(d1, true)
  if (base.entry === undefined) throw noSuchFile(slashPath(base.path))
  const matches: string[] = []
  if (base.entry.type !== 'dir') return matches
  const prefix = base.path === '' ? '' : base.path + '/'
  let skipBelow: string | null = null
  for (const e of tree.descendants(base.path)) {
    if (skipBelow !== null && e.relPath.startsWith(skipBelow)) continue
    skipBelow = null
    if (!goMatch(d2, e.relPath.slice(prefix.length))) continue
    matches.push(e.relPath)
    // A matched directory is copied whole; the walk does not look inside it.
    if (e.type === 'dir') skipBelow = e.relPath + '/'
  }
  return matches
}

/** The copier's walk of a directory source with --exclude applied. */
function directoryContents(tree: ContextTree, dirRel: string, exclude: PatternMatcher | null): CopiedEntry[] {
  const below = tree.descendants(dirRel)
  const strip = dirRel === '' ? 0 : dirRel.length + 1
  if (exclude === null) return below.map((entry) => ({ relPath: entry.relPath.slice(strip), entry }))
  const out: CopiedEntry[] = []
  // Ancestors inside the source: their match info, and whether they were copied yet.
  const stack: { rel: string; info: MatchInfo; copied: boolean; entry: ContextEntry }[] = []
  for (const entry of below) {
    const rel = entry.relPath.slice(strip)
    while (stack.length > 0 && !rel.startsWith((stack[stack.length - 1] as { rel: string }).rel + '/')) stack.pop()
    const parent = stack[stack.length - 1]
    const m = exclude.matchesUsingParentResults(rel, parent?.info ?? EMPTY_MATCH_INFO)
    const include = !m.matched
    if (include) {
      for (const s of stack) {
        if (!s.copied) {
          out.push({ relPath: s.rel, entry: s.entry })
          s.copied = true
        }
      }
      out.push({ relPath: rel, entry })
    }
    if (entry.type === 'dir') stack.push({ rel, info: m.info, copied: include, entry })
  }
  return out
}

/** The entries a COPY/ADD with these sources copies from the context. */
export function selectCopySources(
  tree: ContextTree,
  sources: readonly string[],
  opts: CopySourceOptions = {},
): CopySelection {
  const excludePatterns = opts.exclude ?? []
  let exclude: PatternMatcher | null
  try {
    exclude = excludePatterns.length > 0 ? new PatternMatcher(excludePatterns) : null
  } catch (e) {
    throw asCopySourceError(e)
  }
  const normalized = sources.map(normalizeCopySource)
  const items: CopySourceItem[] = []
  for (const src of normalized) {
    let matches: string[]
    try {
      matches = src.wildcard ? resolveWildcards(tree, src) : [toRel(src.path)]
    } catch (e) {
      throw asCopySourceError(e)
    }
    if (src.wildcard && matches.length === 0 && opts.emptyWildcard === 'error') {
      throw new CopySourceError('no-source-files', 'no source files were specified', src.path)
    }
    for (const match of matches) {
      let resolved: Resolved
      try {
        resolved = tree.resolve(match, true)
      } catch (e) {
        throw asCopySourceError(e)
      }
      const entry = resolved.entry
      if (entry === undefined) {
        // The cache-key pass (contenthash) fails first, `"/x": not found`, for a plain path and
        // for a wildcard match that is a dangling link. With --exclude it lets a missing path
        // through and the copy's own lstat fails; a dangling link it still sees, and rejects.
        if (src.wildcard || exclude === null) throw notFound(src.wildcard ? slashPath(match) : src.path)
        const direct = tree.resolve(match, false)
        throw direct.entry !== undefined ? notFound(src.path) : noSuchFile(slashPath(resolved.path))
      }
      const contents = entry.type === 'dir' ? directoryContents(tree, resolved.path, exclude) : []
      items.push({ source: src, path: match, resolvedPath: resolved.path, entry, contents })
    }
  }
  const usesWildcard = normalized.some((s) => s.wildcard)
  return {
    sources: normalized,
    items,
    usesWildcard,
    requiresDirectoryDest: normalized.length > 1 || usesWildcard,
    selectors: normalized.map((s) => ({
      path: s.path,
      wildcard: s.wildcard,
      followLinks: true,
      excludePatterns: excludePatterns,
    })),
  }
}
