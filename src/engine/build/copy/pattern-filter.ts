// The --exclude and --parents (include) filters of fsutil's copier over a walked source tree.
// Both use MatchesUsingParentResults, so a directory's verdict flows to everything below it. A
// directory that is not selected itself is still searched: when something inside it is copied,
// it is created too (fsutil's delayed parent creation), with its own metadata.

import { asCopySourceError, EMPTY_MATCH_INFO, PatternMatcher } from './context-port'
import type { MatchInfo } from './context-port'
import { ancestorsRel, parentRel } from './image-path'

export interface Walked {
  /** Path below the copied directory, '/'-separated, no leading slash. */
  readonly rel: string
  readonly isDir: boolean
}

function matcher(patterns: readonly string[]): PatternMatcher | null {
  if (patterns.length === 0) return null
  try {
    return new PatternMatcher([...patterns])
  } catch (e) {
    throw asCopySourceError(e)
  }
}

/**
 * The entries (parents before children, as walked) that survive `exclude` and, when given,
 * `include`, plus the directories needed to hold them.
 */
export function filterWalk<T extends Walked>(walked: readonly T[], exclude: readonly string[], include: readonly string[]): T[] {
  const ex = matcher(exclude)
  const inc = matcher(include)
  if (ex === null && inc === null) return [...walked]
  const infos = new Map<string, { ex: MatchInfo; inc: MatchInfo }>()
  const selected = new Set<string>()
  for (const w of walked) {
    const parent = infos.get(parentRel(w.rel)) ?? { ex: EMPTY_MATCH_INFO, inc: EMPTY_MATCH_INFO }
    let keep = true
    let incInfo = EMPTY_MATCH_INFO
    let exInfo = EMPTY_MATCH_INFO
    try {
      if (inc !== null) {
        const m = inc.matchesUsingParentResults(w.rel, parent.inc)
        keep = m.matched
        incInfo = m.info
      }
      if (ex !== null) {
        const m = ex.matchesUsingParentResults(w.rel, parent.ex)
        if (m.matched) keep = false
        exInfo = m.info
      }
    } catch (e) {
      throw asCopySourceError(e)
    }
    if (w.isDir) infos.set(w.rel, { ex: exInfo, inc: incInfo })
    if (keep) {
      selected.add(w.rel)
      for (const a of ancestorsRel(w.rel)) selected.add(a)
    }
  }
  return walked.filter((w) => selected.has(w.rel))
}
