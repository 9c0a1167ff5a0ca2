// Content digests of context entries with BuildKit contenthash semantics (checksum.go):
//
//   file / symlink / device  sha256(header ‖ content)          (content only for regular files)
//   directory header         sha256(header of the directory itself); the root's is sha256("")
//   directory                sha256("\0" ‖ header digest ‖ for each child in order:
//                                   "\0" ‖ name ‖ child digest)   (sub-directories recursively)
//   hard link                the digest of the first path to the inode
//
// so a directory's digest moves when anything below it changes name, content, mode, owner,
// type or link target, and never because of an mtime. Digests are "sha256:<hex>" strings, and
// those strings (not raw bytes) are what parents hash, as in BuildKit.

import { createHash } from 'node:crypto'
import path from 'node:path'
import type { ContextTree } from './context-tree'
import type { ContextEntry } from './context-walk'
import type { FileHasher } from './file-hasher'
import type { StatCache } from './stat-cache'
import { nowNs } from './stat-cache'
import type { Ownership } from './tarsum-header'
import { EMPTY_DIGEST, hasContent, headerDigest, tarsumHeader } from './tarsum-header'

export interface DigesterOptions {
  /** Absolute, symlink-free context root the entries are relative to. */
  readonly root: string
  readonly tree: ContextTree
  readonly ownership: Ownership
  readonly hasher: FileHasher
  readonly statCache?: StatCache
}

export interface DigestCounters {
  /** Files whose content was read and hashed. */
  hashed: number
  /** Files whose digest came from the stat cache. */
  cacheHits: number
}

export class ContentDigester {
  readonly counters: DigestCounters = { hashed: 0, cacheHits: 0 }
  // A memo holds the digest itself once it is known, a promise only while a file is being read:
  // on a warm rebuild every file comes from the stat cache, and a whole tree of 20,000 entries
  // is then digested without one promise or microtask per entry (they cost a no-op rebuild more
  // than the hashing of the directory records itself).
  private readonly fileMemo = new Map<string, string | Promise<string>>()
  private readonly dirMemo = new Map<string, string | Promise<string>>()

  constructor(readonly opts: DigesterOptions) {}

  get tree(): ContextTree {
    return this.opts.tree
  }

  /** The DIR_HEADER record: the directory's own metadata only. */
  dirHeaderDigest(entry: ContextEntry): string {
    // BuildKit never receives the context root's stat and fakes its header as sha256("").
    return entry.relPath === '' ? EMPTY_DIGEST : headerDigest(entry, this.opts.ownership)
  }

  /** The digest an entry contributes as a child of its directory (DIR for directories). */
  entryDigest(entry: ContextEntry): Promise<string> {
    return settle(() => this.digestOf(entry))
  }

  /** The recursive (DIR record) digest of a directory. */
  dirDigest(entry: ContextEntry): Promise<string> {
    return settle(() => this.dirDigestOf(entry))
  }

  /**
   * entryDigest, but the digest itself when nothing below the entry has to be read (stat cache
   * hits, digests computed before); a promise otherwise. May throw where entryDigest rejects.
   */
  digestOf(entry: ContextEntry): string | Promise<string> {
    if (entry.type === 'dir') return this.dirDigestOf(entry)
    if (entry.hardlinkTo !== null) {
      const first = this.tree.get(entry.hardlinkTo)
      if (first !== undefined && first !== entry) return this.digestOf(first)
    }
    if (!hasContent(entry)) return headerDigest(entry, this.opts.ownership)
    return this.contentDigestOf(entry)
  }

  private dirDigestOf(entry: ContextEntry): string | Promise<string> {
    const memo = this.dirMemo.get(entry.relPath)
    if (memo !== undefined) return memo
    return remember(this.dirMemo, entry.relPath, this.computeDirDigest(entry))
  }

  private computeDirDigest(entry: ContextEntry): string | Promise<string> {
    const children = this.tree.childrenOf(entry.relPath)
    const digests = children.map((c) => this.digestOf(c))
    if (digests.every((d) => typeof d === 'string')) return this.dirRecordDigest(entry, children, digests as string[])
    return Promise.all(digests).then((known) => this.dirRecordDigest(entry, children, known))
  }

  private dirRecordDigest(entry: ContextEntry, children: readonly ContextEntry[], digests: readonly string[]): string {
    // The record as one string and one update: two native calls per child cost more than the hash.
    let record = '\0' + this.dirHeaderDigest(entry)
    children.forEach((child, i) => {
      record += '\0' + path.posix.basename(child.relPath) + (digests[i] as string)
    })
    return `sha256:${createHash('sha256').update(record).digest('hex')}`
  }

  private contentDigestOf(entry: ContextEntry): string | Promise<string> {
    const memo = this.fileMemo.get(entry.relPath)
    if (memo !== undefined) return memo
    const cached = this.opts.statCache?.lookup(entry)
    if (cached !== undefined) {
      this.counters.cacheHits++
      this.fileMemo.set(entry.relPath, cached)
      return cached
    }
    return remember(this.fileMemo, entry.relPath, this.hashFile(entry))
  }

  private async hashFile(entry: ContextEntry): Promise<string> {
    const { statCache, hasher, root, ownership } = this.opts
    const started = nowNs()
    const result = await hasher.hash({
      absPath: path.join(root, ...entry.relPath.split('/')),
      header: tarsumHeader(entry, ownership),
    })
    this.counters.hashed++
    // A file that changed size under us is hashed as read, but not remembered.
    if (statCache !== undefined && result.bytesRead === entry.size) statCache.record(entry, result.digest, started)
    return result.digest
  }
}

/** Memoises a digest; a pending one is replaced by its value once known (a failure stays as the rejected promise). */
function remember(memo: Map<string, string | Promise<string>>, key: string, digest: string | Promise<string>): string | Promise<string> {
  memo.set(key, digest)
  if (typeof digest !== 'string') {
    digest.then(
      (value) => memo.set(key, value),
      () => undefined,
    )
  }
  return digest
}

/** The promise form of a digest that may be known already; a synchronous throw becomes a rejection. */
function settle(digest: () => string | Promise<string>): Promise<string> {
  try {
    return Promise.resolve(digest())
  } catch (error) {
    return Promise.reject(error)
  }
}
