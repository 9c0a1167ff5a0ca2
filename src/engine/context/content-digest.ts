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
  private readonly fileMemo = new Map<string, Promise<string>>()
  private readonly dirMemo = new Map<string, Promise<string>>()

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
    if (entry.type === 'dir') return this.dirDigest(entry)
    if (entry.hardlinkTo !== null) {
      const first = this.tree.get(entry.hardlinkTo)
      if (first !== undefined && first !== entry) return this.entryDigest(first)
    }
    if (!hasContent(entry)) return Promise.resolve(headerDigest(entry, this.opts.ownership))
    return this.contentDigest(entry)
  }

  /** The recursive (DIR record) digest of a directory. */
  dirDigest(entry: ContextEntry): Promise<string> {
    let memo = this.dirMemo.get(entry.relPath)
    if (memo === undefined) {
      memo = this.computeDirDigest(entry)
      this.dirMemo.set(entry.relPath, memo)
    }
    return memo
  }

  private async computeDirDigest(entry: ContextEntry): Promise<string> {
    const children = this.tree.childrenOf(entry.relPath)
    const digests = await Promise.all(children.map((c) => this.entryDigest(c)))
    const h = createHash('sha256')
    h.update('\0')
    h.update(this.dirHeaderDigest(entry))
    children.forEach((child, i) => {
      h.update('\0' + path.posix.basename(child.relPath))
      h.update(digests[i] as string)
    })
    return `sha256:${h.digest('hex')}`
  }

  private contentDigest(entry: ContextEntry): Promise<string> {
    let memo = this.fileMemo.get(entry.relPath)
    if (memo === undefined) {
      memo = this.hashFile(entry)
      this.fileMemo.set(entry.relPath, memo)
    }
    return memo
  }

  private async hashFile(entry: ContextEntry): Promise<string> {
    const { statCache, hasher, root, ownership } = this.opts
    const cached = statCache?.lookup(entry)
    if (cached !== undefined) {
      this.counters.cacheHits++
      return cached
    }
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
