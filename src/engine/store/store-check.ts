import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { BlobFile } from './blob-store'
import { entryReference } from './images'
import { readJsonFile } from './json-files'
import { readIndex } from './oci-layout'
import type { GraphProblemKind } from './reachability'
import { collectRoots, walkReferences } from './reachability'
import type { Store } from './store'
import { hasErrnoCode } from './store-errors'
import { STALE_TEMP_MS, findTempFiles, isStale, removeTempFiles } from './temp-files'

export type StoreProblemKind = GraphProblemKind | 'invalid-layout' | 'stray-file' | 'stale-temp' | 'duplicate-tag'

export interface StoreProblem {
  kind: StoreProblemKind
  /** The file that is wrong, or that holds the wrong reference. */
  path: string
  message: string
  digest?: string
  /** Set when the check repaired it (stale temp files, when asked to remove them). */
  fixed?: boolean
}

export interface CheckOptions {
  /** Re-hash every blob (default true); false checks only that references resolve. */
  verifyBlobs?: boolean
  removeStaleTemps?: boolean
  tempMaxAgeMs?: number
  /** Blobs hashed at once; a few overlap disk reads with hashing (default 4). */
  concurrency?: number
  onProgress?: (progress: { blobsChecked: number; bytesChecked: number; totalBlobs: number; totalBytes: number }) => void
}

export interface CheckReport {
  /** No problems other than ones the check fixed. */
  ok: boolean
  problems: StoreProblem[]
  blobsChecked: number
  bytesChecked: number
}

/**
 * Verifies the store end to end: the layout file, every blob against its name (streaming
 * re-hash), every reference (index.json → manifests → configs and layers, cache entries →
 * layers, build records → images), and reports temp files that interrupted writes left behind.
 * Nothing is changed unless `removeStaleTemps` is set.
 */
export async function checkStore(store: Store, options: CheckOptions = {}): Promise<CheckReport> {
  const problems: StoreProblem[] = []
  await checkLayout(store, problems)

  const { blobs, strays } = await store.scanBlobs()
  for (const stray of strays) {
    problems.push({ kind: 'stray-file', path: stray, message: `${stray} is not a blob (blob files are named by 64 lowercase hex digits)` })
  }
  let blobsChecked = 0
  let bytesChecked = 0
  const corrupt = new Set<string>()
  if (options.verifyBlobs !== false) {
    const totalBytes = blobs.reduce((sum, b) => sum + b.size, 0)
    await forEachConcurrently(blobs, options.concurrency ?? 4, async (blob) => {
      const actual = await hashFile(blob)
      if (actual !== undefined && actual !== blob.digest) {
        corrupt.add(blob.digest)
        problems.push({ kind: 'corrupt-blob', path: blob.path, digest: blob.digest, message: `blob ${blob.digest} is corrupt: its content hashes to ${actual}` })
      }
      blobsChecked += 1
      bytesChecked += blob.size
      options.onProgress?.({ blobsChecked, bytesChecked, totalBlobs: blobs.length, totalBytes })
    })
  }

  const { roots, problems: rootProblems } = await collectRoots(store)
  problems.push(...rootProblems)
  const walk = await walkReferences(store, roots)
  // A corrupt manifest is already reported by the re-hash; once is enough.
  problems.push(...walk.problems.filter((p) => !(p.kind === 'corrupt-blob' && p.digest !== undefined && corrupt.has(p.digest))))
  await checkDuplicateTags(store, problems)

  const maxAge = options.tempMaxAgeMs ?? STALE_TEMP_MS
  const stale = (await findTempFiles(store)).filter((t) => isStale(t, maxAge))
  const removed = new Set(options.removeStaleTemps ? (await removeTempFiles(stale)).map((t) => t.path) : [])
  for (const temp of stale) {
    const age = Math.round((Date.now() - temp.mtimeMs) / 60_000)
    const problem: StoreProblem = { kind: 'stale-temp', path: temp.path, message: `temp file left by an interrupted write (${temp.size} bytes, ${age} min old)` }
    if (removed.has(temp.path)) problem.fixed = true
    problems.push(problem)
  }

  return { ok: problems.every((p) => p.fixed === true), problems, blobsChecked, bytesChecked }
}

async function checkLayout(store: Store, problems: StoreProblem[]): Promise<void> {
  const file = store.paths.ociLayout
  try {
    const layout = (await readJsonFile(file, 'oci-layout')) as { imageLayoutVersion?: unknown } | null
    if (typeof layout?.imageLayoutVersion !== 'string' || !layout.imageLayoutVersion.startsWith('1.')) {
      problems.push({ kind: 'invalid-layout', path: file, message: `oci-layout does not declare imageLayoutVersion 1.x` })
    }
  } catch (error) {
    problems.push({ kind: 'invalid-layout', path: file, message: error instanceof Error ? error.message : String(error) })
  }
}

/** Two index.json entries for one reference: resolving it would depend on file order. */
async function checkDuplicateTags(store: Store, problems: StoreProblem[]): Promise<void> {
  let manifests
  try {
    manifests = (await readIndex(store)).manifests
  } catch {
    return // already reported as bad metadata
  }
  const seen = new Set<string>()
  for (const d of manifests) {
    const reference = entryReference(d)
    if (reference === undefined) continue
    if (seen.has(reference)) {
      problems.push({ kind: 'duplicate-tag', path: store.paths.index, digest: d.digest, message: `index.json names ${reference} more than once` })
    }
    seen.add(reference)
  }
}

/** The blob's actual digest, or undefined if it vanished meanwhile (a concurrent prune). */
async function hashFile(blob: BlobFile): Promise<string | undefined> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(blob.path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return undefined
    throw error
  }
  return `sha256:${hash.digest('hex')}`
}

async function forEachConcurrently<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await fn(item)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
}
