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
  return (
    t[0] === e.size &&
    t[1] === String(e.mtimeNs) &&
    t[2] === String(e.ctimeNs) &&
    t[3] === String(e.ino) &&
    t[4] === String(e.dev) &&
    t[5] === e.mode &&
    t[6] === e.uid &&
    t[7] === e.gid
  )
}

export class StatCache {
  private dirty = false

  private constructor(
    readonly file: string,
    readonly ownership: Ownership,
    private readonly records: Map<string, RecordTuple>,
    readonly racyWindowNs: bigint,
  ) {}

  /** Loads `file`; a missing, unreadable or other-version file starts an empty cache. */
  static async load(file: string, ownership: Ownership, racyWindowNs = DEFAULT_RACY_WINDOW_NS): Promise<StatCache> {
    const records = new Map<string, RecordTuple>()
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>
      if (parsed.version === VERSION && parsed.ownership === ownership && typeof parsed.entries === 'object') {
        for (const [rel, t] of Object.entries(parsed.entries ?? {})) {
          if (Array.isArray(t) && t.length === 9 && typeof t[8] === 'string') records.set(rel, t)
        }
      }
    } catch {
      // No usable cache: everything is hashed once.
    }
    return new StatCache(path.resolve(file), ownership, records, racyWindowNs)
  }

  get size(): number {
    return this.records.size
  }

  /** The remembered digest if `entry`'s stat is unchanged. */
  lookup(entry: ContextEntry): string | undefined {
    const t = this.records.get(entry.relPath)
    return t !== undefined && sameStat(t, entry) ? t[8] : undefined
  }

  /**
   * Remembers a fresh digest. `hashStartedNs` is wall-clock time taken before the content was
   * read: a file touched within the racy window before that is not trusted for next time.
   */
  record(entry: ContextEntry, digest: string, hashStartedNs: bigint): void {
    const latest = entry.mtimeNs > entry.ctimeNs ? entry.mtimeNs : entry.ctimeNs
    this.dirty = true
    if (latest >= hashStartedNs - this.racyWindowNs) {
      this.records.delete(entry.relPath)
      return
    }
    this.records.set(entry.relPath, tupleFor(entry, digest))
  }

  /**
   * Writes the cache atomically (temp file + rename), keeping only records for `entries` whose
   * stat still matches, so deleted or changed files do not accumulate.
   */
  async save(entries: Iterable<ContextEntry>): Promise<void> {
    const out: Record<string, RecordTuple> = {}
    for (const e of entries) {
      const t = this.records.get(e.relPath)
      if (t !== undefined && sameStat(t, e)) out[e.relPath] = t
    }
    // Nothing hashed and nothing dropped: the file on disk is already right.
    if (!this.dirty && Object.keys(out).length === this.records.size) return
    const body: CacheFile = { version: VERSION, ownership: this.ownership, savedAt: new Date().toISOString(), entries: out }
    await mkdir(path.dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    try {
      await writeFile(tmp, JSON.stringify(body))
      await rename(tmp, this.file)
      this.dirty = false
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
  }
}
