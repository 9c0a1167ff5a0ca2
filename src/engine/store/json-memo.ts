// A warm process (the app runs many builds) would otherwise read and parse the same multi-MB
// cache entries and step records on every build. Parsed values are kept by path and reused while
// the file's identity is unchanged: size, mtime (ns), ctime (ns) and inode. Every store write is
// a temp file renamed over the target, so another writer (the CLI, another app) always changes
// the inode and ctime; a stat costs far less than reading and parsing the file again.

import type { BigIntStats } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'

/** What must be unchanged for a remembered value to still be the file's content. */
export function fileSignature(st: BigIntStats): string {
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`
}

interface Remembered {
  readonly signature: string
  readonly value: unknown
  readonly bytes: number
}

export interface JsonMemoLimits {
  /** At most this many files are remembered. */
  readonly maxEntries: number
  /** At most this many bytes of file text (the parsed values take a few times that in memory). */
  readonly maxBytes: number
}

/**
 * Parsed JSON files, least recently used evicted first. The values are shared between readers:
 * callers must treat them as read-only.
 */
export class JsonFileMemo {
  private readonly items = new Map<string, Remembered>()
  private bytes = 0

  constructor(readonly limits: JsonMemoLimits) {}

  get size(): number {
    return this.items.size
  }

  get totalBytes(): number {
    return this.bytes
  }

  has(file: string): boolean {
    return this.items.has(file)
  }

  /**
   * The parsed content of `file`, from memory when the file on disk is the one last read.
   * Errors (missing file, bad JSON) propagate; the stale memory is dropped first.
   */
  async read(file: string): Promise<unknown> {
    let st: BigIntStats
    try {
      st = await stat(file, { bigint: true })
    } catch (error) {
      this.forget(file)
      throw error
    }
    const signature = fileSignature(st)
    const known = this.items.get(file)
    if (known !== undefined && known.signature === signature) {
      // Most recently used moves to the end of the Map's order.
      this.items.delete(file)
      this.items.set(file, known)
      return known.value
    }
    this.forget(file)
    const text = await readFile(file, 'utf8')
    const value = JSON.parse(text) as unknown
    // The file may have been replaced between the stat and the read: remember it only when the
    // text read is the size the stat saw and the file still has that identity.
    const after = await stat(file, { bigint: true }).catch(() => undefined)
    if (after !== undefined && fileSignature(after) === signature && Buffer.byteLength(text) === Number(st.size)) {
      this.remember(file, signature, value, text.length)
    }
    return value
  }

  /** Records a value just written to `file` (with the file's stat after the write). */
  remember(file: string, signature: string, value: unknown, bytes: number): void {
    this.forget(file)
    if (bytes > this.limits.maxBytes) return
    this.items.set(file, { signature, value, bytes })
    this.bytes += bytes
    while (this.items.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes) {
      const oldest = this.items.keys().next()
      if (oldest.done === true) break
      this.forget(oldest.value)
    }
  }

  forget(file: string): void {
    const known = this.items.get(file)
    if (known === undefined) return
    this.items.delete(file)
    this.bytes -= known.bytes
  }

  clear(): void {
    this.items.clear()
    this.bytes = 0
  }
}
