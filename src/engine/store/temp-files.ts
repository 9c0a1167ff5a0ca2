import { unlink } from 'node:fs/promises'
import path from 'node:path'
import { isTempFileName } from './atomic-write'
import { statIfExists } from './blob-store'
import { readdirIfExists } from './json-files'
import type { Store } from './store'
import { hasErrnoCode } from './store-errors'

/** A temp file untouched for this long belongs to a write that will never finish. */
export const STALE_TEMP_MS = 60 * 60 * 1000

export interface TempFile {
  path: string
  size: number
  mtimeMs: number
}

/**
 * Leftovers of interrupted writes: everything in `tmp/` (blob ingests) and the
 * `.<name>.<pid>-<random>.tmp` files atomic writes leave beside their targets.
 */
export async function findTempFiles(store: Store): Promise<TempFile[]> {
  const { paths } = store
  const found: TempFile[] = []
  const scan = async (dir: string, all: boolean): Promise<void> => {
    for (const name of await readdirIfExists(dir)) {
      if (!all && !isTempFileName(name)) continue
      const file = path.join(dir, name)
      const stats = await statIfExists(file)
      if (stats?.isFile()) found.push({ path: file, size: stats.size, mtimeMs: stats.mtimeMs })
    }
  }
  await scan(paths.tmp, true)
  for (const dir of [paths.root, paths.blobs, paths.cache, paths.cacheSteps, paths.builds]) await scan(dir, false)
  return found.sort((a, b) => a.path.localeCompare(b.path))
}

export function isStale(file: TempFile, maxAgeMs: number, now: number = Date.now()): boolean {
  return now - file.mtimeMs > maxAgeMs
}

/** Removes the files; one already gone (another check or prune got there first) is fine. */
export async function removeTempFiles(files: TempFile[]): Promise<TempFile[]> {
  const removed: TempFile[] = []
  for (const file of files) {
    try {
      await unlink(file.path)
      removed.push(file)
    } catch (error) {
      if (!hasErrnoCode(error, 'ENOENT')) throw error
    }
  }
  return removed
}
