/** Bytes: a Readable, an async generator, an array of chunks, or one buffer. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array

export function asyncIterator(source: ByteSource): AsyncIterator<Uint8Array> {
  // A Buffer is itself iterable (as numbers): take it as one chunk, never byte by byte.
  if (source instanceof Uint8Array) source = [source]
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]()
  const sync = source[Symbol.iterator]()
  return { next: async () => sync.next(), return: async () => sync.return?.() ?? { done: true, value: undefined } }
}

const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))

/**
 * Pull-style reads over a chunked async source: exact-length reads for headers, and bounded
 * streaming for member bodies, so a tar reader never holds more than one chunk of a body. The
 * current chunk is kept with a cursor (not re-sliced) because a layer can have 100,000 members
 * and every allocation per member shows up in the time to list them.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>
  private chunk: Buffer = Buffer.alloc(0)
  private cursor = 0
  private ended = false
  /** Bytes consumed so far (for error messages that point into the archive). */
  position = 0

  constructor(source: ByteSource) {
    this.iterator = asyncIterator(source)
  }

  private get available(): number {
    return this.chunk.length - this.cursor
  }

  /** Replace the (fully consumed) current chunk with the next non-empty one. */
  private async pull(): Promise<boolean> {
    while (!this.ended) {
      const next = await this.iterator.next()
      if (next.done) this.ended = true
      else if (next.value.length > 0) {
        this.chunk = asBuffer(next.value)
        this.cursor = 0
        return true
      }
    }
    return false
  }

  private take(n: number): Buffer {
    const out = this.chunk.subarray(this.cursor, this.cursor + n)
    this.cursor += n
    this.position += n
    return out
  }

  /** Exactly n bytes, or fewer only if the source ended first (the caller decides if that is fine). */
  async read(n: number): Promise<Buffer> {
    if (this.available >= n) return this.take(n)
    // Straddles chunks: copy just these n bytes, leave the rest of the new chunk in place.
    const parts: Buffer[] = []
    let missing = n
    while (missing > 0) {
      if (this.available === 0 && !(await this.pull())) break
      const part = this.take(Math.min(missing, this.available))
      parts.push(part)
      missing -= part.length
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  }

  /** Up to n bytes as they arrive, without gathering them; stops early only at end of input. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (this.available === 0 && !(await this.pull())) return
      const out = this.take(Math.min(left, this.available))
      left -= out.length
      yield out
    }
  }

  /** Discard n bytes; returns how many were actually there. */
  async skip(n: number): Promise<number> {
    // Padding and unread bodies are usually already buffered: no generator round trip then.
    if (this.available >= n) {
      this.cursor += n
      this.position += n
      return n
    }
    let skipped = 0
    while (skipped < n) {
      if (this.available === 0 && !(await this.pull())) break
      const step = Math.min(n - skipped, this.available)
      this.cursor += step
      this.position += step
      skipped += step
    }
    return skipped
  }

  /** Stop reading the source early (lets a file stream close). */
  async close(): Promise<void> {
    this.ended = true
    await this.iterator.return?.()
  }
}
