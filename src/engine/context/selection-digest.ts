// The digest a COPY/ADD cache key uses for its sources: BuildKit's contenthash Checksum per
// selector (cacheContext.Checksum / includedPaths), combined as NewContentHashFunc does
// (sha256 of the selector digests joined by NUL, selectors deduplicated and sorted by path).
//
// A plain source is the digest of what it resolves to (symlinks followed). A wildcard, or any
// --exclude, switches to the "included paths" form: every selected file and directory header,
// each as (base name, digest), so renaming a matched file changes the key.

import { createHash } from 'node:crypto'
import type { ContentDigester } from './content-digest'
import type { Resolved } from './context-tree'
import type { ContextEntry } from './context-walk'
import { asCopySourceError, notFound } from './errors'
import { containsWildcards, goMatch } from './go-match'
import { goBase, goJoin } from './go-path'
import type { MatchInfo } from './pattern-matcher'
import { EMPTY_MATCH_INFO, PatternMatcher } from './pattern-matcher'
import { EMPTY_DIGEST, sha256Digest } from './tarsum-header'

export interface Selector {
  /** Absolute, cleaned source path (`/src`, `/` for the whole context). */
  readonly path: string
  readonly wildcard: boolean
  readonly followLinks: boolean
  readonly excludePatterns: readonly string[]
}

/** One radix-tree record: a directory has a DIR record followed by its DIR_HEADER record. */
interface TreeRecord {
  readonly entry: ContextEntry
  readonly header: boolean
  readonly dir: boolean
}

interface Included {
  /** Path as contenthash names it: '/a/b', '' for the root. */
  readonly path: string
  /** Started, not awaited, while walking: the files of a selection are hashed together. */
  digest: Promise<string>
  readonly symlink: boolean
  included: boolean
  readonly excludeInfo: MatchInfo
}

const abs = (rel: string) => (rel === '' ? '' : '/' + rel)

/** The records of contenthash's radix tree from `start` (an entry) to the end, in key order. */
function* recordsFrom(d: ContentDigester, start: ContextEntry): Generator<TreeRecord> {
  const tree = d.tree
  const first = tree.position(start.relPath) ?? 0
  if (start.type === 'dir') {
    yield { entry: start, header: false, dir: true }
    yield { entry: start, header: true, dir: false }
  } else {
    yield { entry: start, header: false, dir: false }
  }
  for (let i = first + 1; i < tree.entries.length; i++) {
    const e = tree.entries[i] as ContextEntry
    if (e.type === 'dir') {
      yield { entry: e, header: false, dir: true }
      yield { entry: e, header: true, dir: false }
    } else {
      yield { entry: e, header: false, dir: false }
    }
  }
}

/** lazyChecksum: the digest of what `p` resolves to. */
export async function pathDigest(d: ContentDigester, p: string, followLinks: boolean): Promise<string> {
  let resolved: Resolved
  try {
    resolved = d.tree.resolve(p, followLinks)
  } catch (e) {
    throw asCopySourceError(e)
  }
  if (resolved.entry === undefined) throw notFound(goJoin('/', p))
  return d.entryDigest(resolved.entry)
}

/** cacheContext.includedPaths, for wildcard and/or exclude selectors. */
function includedPaths(d: ContentDigester, sel: Selector): Included[] {
  const tree = d.tree
  const endsInSep = sel.path.endsWith('/')
  const p = abs(goJoin('/', sel.path).slice(1))
  const exclude = sel.excludePatterns.length > 0 ? new PatternMatcher(sel.excludePatterns) : null
  let origPrefix = ''
  let resolvedPrefix = ''
  let start: ContextEntry | undefined
  if (sel.wildcard) {
    const { d1, d2 } = splitWildcards(p)
    if (d1 !== '/') {
      const r = tree.resolve(d1, d2 !== '')
      origPrefix = d1
      resolvedPrefix = abs(r.path)
      start = r.entry
      if (start === undefined) return []
    }
  } else if (p !== '') {
    const r = tree.resolve(p, false)
    origPrefix = p
    resolvedPrefix = abs(r.path)
    start = r.entry
    if (start === undefined) return []
  }
  const out: Included[] = []
  const parents: Included[] = []
  let lastMatched = ''
  for (const rec of recordsFrom(d, start ?? (tree.get('') as ContextEntry))) {
    let fn = abs(rec.entry.relPath)
    if (fn.startsWith(resolvedPrefix)) fn = origPrefix + fn.slice(resolvedPrefix.length)
    while (parents.length > 0 && !fn.startsWith((parents[parents.length - 1] as Included).path + '/')) parents.pop()
    // A header record's path is its directory's, with the trailing slash dropped.
    if (rec.header && fn === p && endsInSep) continue
    let candidate: string
    if (sel.wildcard) {
      if (p !== '' && (lastMatched === '' || !fn.startsWith(lastMatched + '/'))) {
        if (!goMatch(p, fn)) continue
        lastMatched = fn
      }
      candidate = trimSlash(fn + '/', lastMatched + '/')
    } else {
      if (!(fn + '/').startsWith(p + '/')) break
      candidate = trimSlash(fn + '/', p + '/')
    }
    const parent = parents[parents.length - 1]
    let include = true
    let excludeInfo = EMPTY_MATCH_INFO
    if (exclude !== null) {
      const m = exclude.matchesUsingParentResults(candidate, parent?.excludeInfo ?? EMPTY_MATCH_INFO)
      excludeInfo = m.info
      include = !m.matched
    }
    if (!include && !rec.header) continue
    // Directory contents are never included as such: only their headers and files are.
    if (rec.dir) continue
    const item: Included = {
      path: fn,
      digest: rec.header ? Promise.resolve(d.dirHeaderDigest(rec.entry)) : d.entryDigest(rec.entry),
      symlink: !rec.header && rec.entry.type === 'symlink',
      included: false,
      excludeInfo,
    }
    if (include) {
      for (const pd of parents) {
        if (!pd.included) {
          out.push(pd)
          pd.included = true
        }
      }
      out.push(item)
      item.included = true
    }
    if (rec.header) parents.push(item)
  }
  return out
}

function trimSlash(s: string, prefix: string): string {
  const t = s.startsWith(prefix) ? s.slice(prefix.length) : s
  return t.endsWith('/') ? t.slice(0, -1) : t
}

/** contenthash splitWildcards: the literal leading components, and the rest. */
export function splitWildcards(p: string): { d1: string; d2: string } {
  const parts = goJoin(p).split('/')
  const p1: string[] = []
  const p2: string[] = []
  let found = false
  for (let part of parts) {
    if (!found && containsWildcards(part)) found = true
    if (part === '') part = '/'
    ;(found ? p2 : p1).push(part)
  }
  return { d1: goJoin(...p1), d2: goJoin(...p2) }
}

/** cacheContext.Checksum for one selector. */
export async function selectorDigest(d: ContentDigester, sel: Selector): Promise<string> {
  try {
    if (!sel.wildcard && sel.excludePatterns.length === 0) return await pathDigest(d, sel.path, sel.followLinks)
    const included = includedPaths(d, sel)
    // With FollowLinks, an included symlink counts as what it points to.
    if (sel.followLinks) for (const w of included) if (w.symlink) w.digest = pathDigest(d, w.path, true)
    const digests = await Promise.all(included.map((w) => w.digest))
    if (included.length === 0) return EMPTY_DIGEST
    const only = included[0] as Included
    if (included.length === 1 && goBase(sel.path) === goBase(only.path)) return digests[0] as string
    const h = createHash('sha256')
    included.forEach((w, i) => {
      if (i !== 0) h.update('\0')
      h.update(goBase(w.path))
      h.update(digests[i] as string)
    })
    return `sha256:${h.digest('hex')}`
  } catch (e) {
    throw asCopySourceError(e)
  }
}

/**
 * file.go dedupeSelectors + NewContentHashFunc: plain selectors are deduplicated (a path below
 * another plain path adds nothing), filtered ones kept, all sorted by path; the result is the
 * sha256 of their digests joined by NUL.
 */
export async function selectionDigest(
  d: ContentDigester,
  selectors: readonly Selector[],
): Promise<{ digest: string; parts: { selector: Selector; digest: string }[] }> {
  const filtered = (s: Selector) => s.wildcard || s.excludePatterns.length > 0
  const plain = (follow: boolean) => {
    const paths = [...new Set(selectors.filter((s) => !filtered(s) && s.followLinks === follow).map((s) => s.path))]
    const kept = paths.filter((p1) => !paths.some((p2) => p1 !== p2 && p1.startsWith(p2.endsWith('/') ? p2 : p2 + '/')))
    return kept.map((p): Selector => ({ path: p, wildcard: false, followLinks: follow, excludePatterns: [] }))
  }
  const deduped = [...plain(false), ...plain(true), ...selectors.filter(filtered)]
  deduped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const parts = await Promise.all(deduped.map(async (selector) => ({ selector, digest: await selectorDigest(d, selector) })))
  return { digest: sha256Digest(parts.map((x) => x.digest).join('\0')), parts }
}
