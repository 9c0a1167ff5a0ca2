import { randomBytes } from 'node:crypto'
import { unlink } from 'node:fs/promises'
import path from 'node:path'
import { writeJsonAtomic } from './atomic-write'
import { assertDigest } from './digest'
import { readJsonFile, readdirIfExists } from './json-files'
import type { Store } from './store'
import { StoreError, hasErrnoCode } from './store-errors'

export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface BuildResult {
  /** The manifest digest of the image built; prune keeps it (and its blobs) while the record exists. */
  imageDigest?: string
  configDigest?: string
  /** A Docker-daemon build: the image id in the daemon (the store holds no image for it). */
  daemonImageId?: string
  tags?: string[]
}

export interface BuildRecord {
  id: string
  /** The build context directory, as an absolute path: what "this project's builds" means. */
  project: string
  dockerfile: string
  startedAt: string
  finishedAt?: string
  status: BuildStatus
  /** Who built it; absent in records older than the Docker backend (the embedded engine). */
  backend?: 'embedded' | 'docker'
  plan?: unknown
  eventsSummary?: unknown
  timings?: Record<string, number>
  result?: BuildResult
}

const STATUSES: ReadonlySet<string> = new Set<BuildStatus>(['running', 'succeeded', 'failed', 'cancelled'])
const ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$/

/**
 * `20260101T120000123Z-k3x9q2ab`: UTC time to the millisecond first, so file names sort by start
 * time, then randomness so two builds in one millisecond (two processes) never collide.
 */
export function newBuildId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '')
  const suffix = Array.from(randomBytes(8), (b) => 'abcdefghijklmnopqrstuvwxyz234567'.charAt(b & 31)).join('')
  return `${stamp}-${suffix}`
}

export function buildRecordPath(store: Store, id: string): string {
  if (typeof id !== 'string' || !ID.test(id)) throw new StoreError('invalid-argument', `invalid build id ${JSON.stringify(id)}`)
  return path.join(store.paths.builds, `${id}.json`)
}

/** Writes (or rewrites, as the build progresses) one record, atomically. */
export async function writeBuild(store: Store, record: BuildRecord): Promise<void> {
  const file = buildRecordPath(store, record.id)
  if (!STATUSES.has(record.status)) throw new StoreError('invalid-argument', `invalid build status ${JSON.stringify(record.status)}`)
  if (typeof record.project !== 'string' || typeof record.startedAt !== 'string') {
    throw new StoreError('invalid-argument', `build ${record.id} needs a project and a startedAt time`)
  }
  if (record.result?.imageDigest !== undefined) assertDigest(record.result.imageDigest, 'build result image digest')
  if (record.result?.configDigest !== undefined) assertDigest(record.result.configDigest, 'build result config digest')
  await writeJsonAtomic(file, { ...record, project: path.resolve(record.project) })
}

export async function readBuild(store: Store, id: string): Promise<BuildRecord> {
  const file = buildRecordPath(store, id)
  const value = (await readJsonFile(file, `build ${id}`)) as Partial<BuildRecord> | null
  if (typeof value !== 'object' || value === null || value.id !== id || typeof value.status !== 'string') {
    throw new StoreError('corrupt', `${file}: not the record of build ${id}`)
  }
  return value as BuildRecord
}

/** Newest first; unreadable records are skipped here (check reports them). */
export async function listBuilds(store: Store, options: { project?: string; limit?: number } = {}): Promise<BuildRecord[]> {
  const project = options.project === undefined ? undefined : path.resolve(options.project)
  const limit = options.limit ?? Infinity
  const ids = (await listBuildIds(store)).reverse()
  const records: BuildRecord[] = []
  const batch = 32
  for (let i = 0; i < ids.length && records.length < limit; i += batch) {
    const read = await Promise.all(ids.slice(i, i + batch).map((id) => readBuild(store, id).catch(() => undefined)))
    for (const record of read) {
      if (record === undefined || (project !== undefined && record.project !== project)) continue
      records.push(record)
      if (records.length >= limit) break
    }
  }
  return records
}

/** Every record's id, oldest first. */
export async function listBuildIds(store: Store): Promise<string[]> {
  const names = await readdirIfExists(store.paths.builds)
  return names
    .filter((n) => n.endsWith('.json') && ID.test(n.slice(0, -'.json'.length)))
    .map((n) => n.slice(0, -'.json'.length))
    .sort()
}

export async function deleteBuild(store: Store, id: string): Promise<boolean> {
  try {
    await unlink(buildRecordPath(store, id))
    return true
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return false
    throw error
  }
}
