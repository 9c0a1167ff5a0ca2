import { lstat, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { statIfExists } from './blob-store'
import { deleteCacheEntry, listCacheKeys } from './cache-index'
import { collectRoots, walkReferences } from './reachability'
import type { Store } from './store'
import { StoreError } from './store-errors'
import type { StoreLockOptions } from './store-lock'
import { withStoreLock } from './store-lock'
import { STALE_TEMP_MS, findTempFiles, isStale, removeTempFiles } from './temp-files'

export interface PruneOptions {
  /** Report what would go without deleting anything. */
  dryRun?: boolean
  /**
   * Unreferenced blobs younger than this stay (default 1 h): a build writes a layer before the
   * cache entry or manifest that references it, and those writes take no lock.
   */
  gracePeriodMs?: number
  /**
   * Delete every cache entry first, so layers only the cache kept go too (`docker builder prune -a`),
   * and the derived files computed from layers (file tables, sizes), which are rebuilt on demand.
   */
  dropCache?: boolean
  tempMaxAgeMs?: number
  lock?: StoreLockOptions
}

export interface PruneResult {
  dryRun: boolean
  removedBlobs: string[]
  /** Bytes of the removed blobs and temp files. */
  freedBytes: number
  removedTemps: string[]
  removedCacheEntries: number
  /** Derived files removed (`layer-files/`, `layer-sizes/`): with dropCache only. */
  removedDerivedFiles: number
  /** Unreferenced blobs kept because they are younger than the grace period. */
  keptRecent: number
}

/**
 * Mark and sweep, under the store lock. Marked: everything reachable from index.json, cache
 * entries and build records (through indexes and manifests to configs and layers). Swept:
 * unmarked blobs past the grace period and stale temp files. Anything the store does not own
 * (`snapshots/`, unknown files) is left alone. If a root cannot be read, prune refuses rather
 * than guess: deleting what an unreadable manifest references cannot be undone.
 */
export async function pruneStore(store: Store, options: PruneOptions = {}): Promise<PruneResult> {
  const dryRun = options.dryRun === true
  const grace = options.gracePeriodMs ?? 60 * 60 * 1000
  return withStoreLock(
    store,
    async () => {
      const { roots, problems } = await collectRoots(store, { skipCache: options.dropCache === true })
      const { reachable, problems: walkProblems } = await walkReferences(store, roots)
      const blocking = [...problems, ...walkProblems].filter((p) => p.kind === 'bad-metadata' || p.kind === 'corrupt-blob')
      if (blocking.length > 0) {
        const list = blocking.map((p) => `  ${p.path}: ${p.message}`).join('\n')
        throw new StoreError('corrupt', `prune stopped: these cannot be read, so what they reference is unknown:\n${list}\nRun a store check and remove or repair them first.`)
      }

      const result: PruneResult = { dryRun, removedBlobs: [], freedBytes: 0, removedTemps: [], removedCacheEntries: 0, removedDerivedFiles: 0, keptRecent: 0 }
      // Referrers go before what they refer to, so a crash halfway never leaves a dangling entry.
      if (options.dropCache === true) {
        for (const key of await listCacheKeys(store)) {
          if (dryRun || (await deleteCacheEntry(store, key))) result.removedCacheEntries += 1
        }
      }

      const now = Date.now()
      const { blobs } = await store.scanBlobs()
      for (const blob of blobs) {
        if (reachable.has(blob.digest)) continue
        if (now - blob.mtimeMs < grace) {
          result.keptRecent += 1
          continue
        }
        if (!dryRun) {
          // Storing the same bytes again touches the blob; if that happened since the scan, keep it.
          const current = await statIfExists(blob.path)
          if (current === undefined || current.mtimeMs !== blob.mtimeMs) continue
          if (!(await store.removeBlob(blob.digest))) continue
        }
        result.removedBlobs.push(blob.digest)
        result.freedBytes += blob.size
      }

      if (options.dropCache === true) {
        for (const dir of DERIVED_DIRS) {
          const { files, bytes } = await removeDerivedFiles(path.join(store.paths.root, dir), dryRun)
          result.removedDerivedFiles += files
          result.freedBytes += bytes
        }
      }

      const stale = (await findTempFiles(store)).filter((t) => isStale(t, options.tempMaxAgeMs ?? STALE_TEMP_MS, now))
      for (const temp of dryRun ? stale : await removeTempFiles(stale)) {
        result.removedTemps.push(temp.path)
        result.freedBytes += temp.size
      }
      return result
    },
    options.lock,
  )
}

/**
 * Directories of files computed from layers (a layer's file table, its sizes): any of them can
 * go at any time, a reader that misses one computes it again. Snapshots are not among them: a
 * running build reads its snapshot without the store lock.
 */
const DERIVED_DIRS = ['layer-files', 'layer-sizes']

async function removeDerivedFiles(dir: string, dryRun: boolean): Promise<{ files: number; bytes: number }> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 }
    throw error
  }
  let files = 0
  let bytes = 0
  for (const name of names) {
    const file = path.join(dir, name)
    const info = await lstat(file).catch(() => undefined)
    if (!info?.isFile()) continue
    if (!dryRun) await rm(file, { force: true })
    files += 1
    bytes += info.size
  }
  return { files, bytes }
}
