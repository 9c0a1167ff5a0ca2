// What this module uses of the build-context module, in one place.

import { CopySourceError, GoBadPatternError, PatternSyntaxError } from '../../context'

export { CopySourceError, EMPTY_MATCH_INFO, PatternMatcher, containsWildcards, goMatch } from '../../context'
export type { BuildContext, ContextEntry, CopySourceItem, MatchInfo } from '../../context'

/** A malformed wildcard or pattern, reported as the context module reports it. */
export function asCopySourceError(e: unknown): unknown {
  if (e instanceof GoBadPatternError || e instanceof PatternSyntaxError) return new CopySourceError('invalid-pattern', e.message)
  return e
}

/** `"/x": not found`, BuildKit's error for a source that does not exist. */
export function sourceNotFound(absPath: string): CopySourceError {
  return new CopySourceError('not-found', `${JSON.stringify(absPath)}: not found`, absPath)
}
