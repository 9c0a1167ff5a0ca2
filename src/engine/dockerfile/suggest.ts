// "did you mean …?" for unknown instructions (BuildKit util/suggest, agext/levenshtein).

import { goToLower, goToUpper } from './go-strings'

/** Levenshtein distance over code points, unit costs. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a)
  const t = Array.from(b)
  if (s.length === 0) return t.length
  if (t.length === 0) return s.length
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const current = [i]
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost))
    }
    previous = current
  }
  return previous[t.length] ?? 0
}

/**
 * suggest.WrapErrorMaybe, case-insensitive: the closest option at distance below 3, written
 * in the user's case (all lower → lower, all upper → upper, mixed → lower). BuildKit walks a
 * Go map, so among equally close options its pick varies; ours is the first in the order given.
 */
export function suggest(value: string, options: readonly string[]): string | null {
  const wanted = goToLower(value)
  let match: string | null = null
  let best = 3
  for (const option of options) {
    const candidate = goToLower(option)
    if (candidate === wanted) return null // an exact match means the error was about something else
    const distance = levenshtein(wanted, candidate)
    if (distance < best) {
      best = distance
      match = matchCase(candidate, value)
    }
  }
  return match
}

function matchCase(option: string, original: string): string {
  if (original === goToLower(original)) return goToLower(option)
  if (original === goToUpper(original)) return goToUpper(option)
  return option
}
