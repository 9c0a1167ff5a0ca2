import { createHash } from 'node:crypto'
import path from 'node:path'
import type { Store } from '../store'

/**
 * Where a context's stat cache lives in the store: one file per context directory, shared by
 * the builds and the forecasts of that context so either one leaves the other warm.
 */
export function contextStatCachePath(store: Store, contextDir: string): string {
  // A digest, not the path itself: names stay short, and folders that end alike stay apart.
  const key = createHash('sha256').update(contextDir).digest('hex')
  return path.join(store.paths.tmp, '..', 'contexts', `${key}.json`)
}
