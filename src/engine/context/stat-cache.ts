// Per-context memory of file digests keyed by what lstat says, so an unchanged context is not
// read again: a file whose size, mtime, ctime, inode, device, mode and owner all match the
// record reuses its digest; anything else is re-hashed. ctime is in the key because it moves
// on every write and chmod/chown and cannot be set back by `touch -d`.
//
// Racy entries (git's "racily clean" problem): a file written within the timestamp granularity
// of the moment it was hashed could change again without its stat changing. Such digests are
// used for the current build but not persisted.

import type { BigIntStats } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
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
 * What this process last read or wrote for each cache file, so a warm process (the app building
 * the same context again) does not re-read and re-parse MBs of JSON: reused while the file's
 * size, mtime, ctime and inode are unchanged. Saves are renames of a new file, so another
 * process's save always changes the inode and ctime. The records object is never mutated (a
 * save replaces it), so instances share it safely.
 */
interface KnownFile {
  readonly signature: string
  readonly ownership: Ownership
  readonly entries: Record<string, unknown>
  readonly count: number
}
const knownFiles = new Map<string, KnownFile>()
/** Contexts remembered at once; each holds its records (a few MB for 20,000 files). */
export const KNOWN_STAT_CACHE_FILES_MAX = 8

function fileSignature(st: BigIntStats): string {
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`
}

async function signatureOf(file: string): Promise<BigIntStats | undefined> {
  return stat(file, { bigint: true }).catch(() => undefined)
}

function rememberFile(file: string, known: KnownFile): void {
  knownFiles.delete(file)
  knownFiles.set(file, known)
  while (knownFiles.size > KNOWN_STAT_CACHE_FILES_MAX) {
    const oldest = knownFiles.keys().next()
    if (oldest.done === true) break
    knownFiles.delete(oldest.value)
  }
}

/** Drops the in-process copies of every stat cache file (tests; memory pressure). */
export function forgetStatCacheFiles(): void {
  knownFiles.clear()
}

/** Whether `file`'s records are held in process memory (tests). */
export function isStatCacheFileKnown(file: string): boolean {
  return knownFiles.has(path.resolve(file))
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
    const resolved = path.resolve(file)
    const before = await signatureOf(resolved)
    const signature = before === undefined ? undefined : fileSignature(before)
    const known = knownFiles.get(resolved)
    if (known !== undefined && known.signature === signature && known.ownership === ownership) {
      rememberFile(resolved, known)
      return new StatCache(resolved, ownership, known.entries, known.count, racyWindowNs)
    }
    knownFiles.delete(resolved)
    let entries: Record<string, unknown> = {}
    let text: string | undefined
    try {
      text = await readFile(resolved, 'utf8')
      const parsed = JSON.parse(text) as Partial<CacheFile>
      if (parsed.version === VERSION && parsed.ownership === ownership && typeof parsed.entries === 'object' && parsed.entries !== null) {
        entries = parsed.entries
      }
    } catch {
      // No usable cache: everything is hashed once.
    }
    let count = 0
    for (const rel in entries) if (isRecord(entries[rel])) count++
    // Remembered only if the file was not replaced while it was read (the text is the size the
    // stat saw, and the identity is unchanged after).
    if (text !== undefined && signature !== undefined && before !== undefined && BigInt(Buffer.byteLength(text)) === before.size) {
      const after = await signatureOf(resolved)
      if (after !== undefined && fileSignature(after) === signature) rememberFile(resolved, { signature, ownership, entries, count })
    }
    return new StatCache(resolved, ownership, entries, count, racyWindowNs)
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
    const text = JSON.stringify(body)
    try {
      await writeFile(tmp, text)
      await rename(tmp, this.file)
    } catch (e) {
      knownFiles.delete(this.file)
      await rm(tmp, { force: true })
      throw e
    }
    // What is on disk is now the whole truth: later saves compare against it.
    this.loaded = out
    this.loadedCount = Object.keys(out).length
    this.changes.clear()
    this.confirmed.clear()
    const after = await signatureOf(this.file)
    // Another process may have saved over it since the rename: then its records are not these.
    if (after !== undefined && after.size === BigInt(Buffer.byteLength(text))) {
      rememberFile(this.file, { signature: fileSignature(after), ownership: this.ownership, entries: out, count: this.loadedCount })
    } else {
      knownFiles.delete(this.file)
    }
  }
}
