// Per-context memory of file digests keyed by what lstat says, so an unchanged context is not
// read again: a file whose size, mtime, ctime, inode, device, mode and owner all match the
// record reuses its digest; anything else is re-hashed. ctime is in the key because it moves
// on every write and chmod/chown and cannot be set back by `touch -d`.
//
// Racy entries (git's "racily clean" problem): a file written within the timestamp granularity
// of the moment it was hashed could change again without its stat changing. Such digests are
// used for the current build but not persisted.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ContextEntry } from './context-walk'
import type { Ownership } from './tarsum-header'

const VERSION = 1

/** One record: [size, mtimeNs, ctimeNs, ino, dev, mode, uid, gid, digest]. */
type RecordTuple = [number, string, string, string, string, number, number, number, string]

interface CacheFile {
  version: number
  ownership: Ownership
  savedAt: string
  entries: Record<string, RecordTuple>
}

/** Default racy window: coarse filesystems stamp with 1-2 s resolution. */
export const DEFAULT_RACY_WINDOW_NS = 2_000_000_000n

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

function tupleFor(e: ContextEntry, digest: string): RecordTuple {
  return [e.size, String(e.mtimeNs), String(e.ctimeNs), String(e.ino), String(e.dev), e.mode, e.uid, e.gid, digest]
}

function sameStat(t: RecordTuple, e: ContextEntry): boolean {
  // The numbers first: they differ most often, and cost no BigInt-to-string conversion.
  return (
    t[0] === e.size &&
    t[5] === e.mode &&
    t[6] === e.uid &&
    t[7] === e.gid &&
    t[1] === String(e.mtimeNs) &&
    t[2] === String(e.ctimeNs) &&
    t[3] === String(e.ino) &&
    t[4] === String(e.dev)
  )
}

function isRecord(t: unknown): t is RecordTuple {
  return Array.isArray(t) && t.length === 9 && typeof t[8] === 'string'
}

/**
 * The records as loaded stay in the parsed JSON object (copying 20,000 of them into a Map cost a
 * no-op rebuild ~40 ms); what this build learns goes into `changes`, where `null` marks a record
 * dropped.
 */
export class StatCache {
  private readonly changes = new Map<string, RecordTuple | null>()
  /** Loaded records a lookup found current: when that is all of them, save has nothing to check. */
  private readonly confirmed = new Set<string>()

  private constructor(
    readonly file: string,
    readonly ownership: Ownership,
    private loaded: Record<string, unknown>,
    private loadedCount: number,
    readonly racyWindowNs: bigint,
  ) {}

  /** Loads `file`; a missing, unreadable or other-version file starts an empty cache. */
  static async load(file: string, ownership: Ownership, racyWindowNs = DEFAULT_RACY_WINDOW_NS): Promise<StatCache> {
    let entries: Record<string, unknown> = {}
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>
      if (parsed.version === VERSION && parsed.ownership === ownership && typeof parsed.entries === 'object' && parsed.entries !== null) {
        entries = parsed.entries
      }
    } catch {
      // No usable cache: everything is hashed once.
    }
    let count = 0
    for (const rel in entries) if (isRecord(entries[rel])) count++
    return new StatCache(path.resolve(file), ownership, entries, count, racyWindowNs)
  }

  private record_(rel: string): RecordTuple | undefined {
    const changed = this.changes.size === 0 ? undefined : this.changes.get(rel)
    if (changed !== undefined) return changed ?? undefined
    // No own-property test needed: nothing inherited from Object.prototype is a record.
    const t = this.loaded[rel]
    return isRecord(t) ? t : undefined
  }

  get size(): number {
    let n = this.loadedCount
    for (const [rel, t] of this.changes) {
      const before = isRecord(this.loaded[rel])
      n += (t !== null ? 1 : 0) - (before ? 1 : 0)
    }
    return n
  }

  /** The remembered digest if `entry`'s stat is unchanged. */
  lookup(entry: ContextEntry): string | undefined {
    const t = this.record_(entry.relPath)
    if (t === undefined || !sameStat(t, entry)) return undefined
    if (this.changes.size === 0 || !this.changes.has(entry.relPath)) this.confirmed.add(entry.relPath)
    return t[8]
  }

  /**
   * Remembers a fresh digest. `hashStartedNs` is wall-clock time taken before the content was
   * read: a file touched within the racy window before that is not trusted for next time.
   */
  record(entry: ContextEntry, digest: string, hashStartedNs: bigint): void {
    const latest = entry.mtimeNs > entry.ctimeNs ? entry.mtimeNs : entry.ctimeNs
    this.changes.set(entry.relPath, latest >= hashStartedNs - this.racyWindowNs ? null : tupleFor(entry, digest))
    this.confirmed.delete(entry.relPath)
  }

  /**
   * Writes the cache atomically (temp file + rename), keeping only records for `entries` whose
   * stat still matches, so deleted or changed files do not accumulate. When nothing was learnt
   * and every record is still current, the file on disk is already right and is not rewritten.
   */
  async save(entries: Iterable<ContextEntry>): Promise<void> {
    const list = Array.isArray(entries) ? (entries as readonly ContextEntry[]) : [...entries]
    // Every loaded record was found current by a lookup of this build (the common no-op).
    if (this.changes.size === 0 && this.confirmed.size === this.loadedCount) return
    if (this.changes.size === 0) {
      let current = 0
      for (const e of list) {
        const t = this.record_(e.relPath)
        if (t !== undefined && sameStat(t, e)) current++
      }
      if (current === this.loadedCount) return
    }
    const out: Record<string, RecordTuple> = Object.create(null) as Record<string, RecordTuple>
    for (const e of list) {
      const t = this.record_(e.relPath)
      if (t !== undefined && sameStat(t, e)) out[e.relPath] = t
    }
    const body: CacheFile = { version: VERSION, ownership: this.ownership, savedAt: new Date().toISOString(), entries: out }
    await mkdir(path.dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    try {
      await writeFile(tmp, JSON.stringify(body))
      await rename(tmp, this.file)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
    // What is on disk is now the whole truth: later saves compare against it.
    this.loaded = out
    this.loadedCount = Object.keys(out).length
    this.changes.clear()
    this.confirmed.clear()
  }
}
