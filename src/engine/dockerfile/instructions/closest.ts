// suggest.WrapError with caseSensitive=true, which BuildKit uses for flags, mount keys, targets
// and unset FROM variables (instruction names use the case-insensitive ../suggest instead).

import { levenshtein } from '../suggest'

/**
 * The option closest to `value` at an edit distance below 3, or null; also null when `value` is
 * itself an option (the error was about something else). BuildKit walks a Go map, so among
 * equally close options its pick varies; ours is the first in the order given.
 */
export function closest(value: string, options: Iterable<string>): string | null {
  let best = 3
  let match: string | null = null
  for (const option of options) {
    if (option === value) return null
    const distance = levenshtein(value, option)
    if (distance < best) {
      best = distance
      match = option
    }
  }
  return match
}

/** `message (did you mean X?)` when an option is close. */
export function withSuggestion(message: string, value: string, options: Iterable<string>): string {
  const match = closest(value, options)
  return match === null ? message : `${message} (did you mean ${match}?)`
}
