// What the next build will do with one keyed step, decided from the cache's answer for its key
// (the same lookup the build makes) and from what the build itself writes before reaching it.

import type { MissReason } from '../../shared/build-events'

export interface CacheAnswer {
  key: string
  /** The cache has an entry with a layer for the key. */
  hit: boolean
  /** On a miss: the reason the build will give (explainMiss against the step's last record). */
  reason?: MissReason
}

export type KeyedStepForecast =
  /** `layerKnown` is false when the entry is one this very build writes first (the layer is not there yet). */
  | { status: 'cached'; layerKnown: boolean }
  | { status: 'rebuild'; reason: MissReason }

/**
 * A hit is cached. A miss rebuilds, unless an earlier step of the same build writes that key
 * (two stages with the same steps): the build reads the cache step by step, so the later one
 * hits what the earlier one wrote. `--no-cache` and unpinned URLs never read the cache at all.
 */
export function forecastKeyedStep(
  answer: CacheAnswer,
  opts: { noCache: boolean; volatile: boolean; writtenBefore: ReadonlySet<string> },
): KeyedStepForecast {
  if (answer.hit) return { status: 'cached', layerKnown: true }
  const readsCache = !opts.noCache && !opts.volatile
  if (readsCache && opts.writtenBefore.has(answer.key)) return { status: 'cached', layerKnown: false }
  return { status: 'rebuild', reason: answer.reason ?? { kind: 'other', detail: 'no cache entry' } }
}
