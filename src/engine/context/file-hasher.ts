// Hashes file contents for content digests: header bytes, then the file streamed through a
// fixed buffer (never the whole file in memory), several files in flight at once so that the
// thread pool's reads overlap with hashing. The reader is injectable so tests can count reads.

import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

export interface ReadableFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>
  close(): Promise<void>
}

/** Opens files for reading; `fs.promises.open` by default. */
export interface FileReader {
  open(absPath: string): Promise<ReadableFile>
}

export const nodeFileReader: FileReader = { open: (p) => open(p, 'r') }

export interface HashRequest {
  readonly absPath: string
  /** Text hashed (as UTF-8) before the content: the tarsum header. */
  readonly header: string
}

export interface HashResult {
  /** `sha256:<hex>` of header ‖ content. */
  readonly digest: string
  /** Bytes of content actually read (differs from the stat size if the file changed). */
  readonly bytesRead: number
}

export interface HashStats {
  files: number
  bytes: number
}

export interface FileHasher {
  hash(req: HashRequest): Promise<HashResult>
  readonly stats: Readonly<HashStats>
  /** Releases resources (worker threads, if any). */
  close(): Promise<void>
}

export interface StreamHasherOptions {
  /** Files hashed concurrently (default 4: enough to keep reads and hashing overlapped). */
  concurrency?: number
  /** Read buffer per concurrent file (default 256 KiB). */
  bufferSize?: number
  reader?: FileReader
}

/** A counting semaphore: at most `n` tasks run at once, the rest wait in FIFO order. */
export class Limiter {
  private active = 0
  private readonly queue: (() => void)[] = []
  constructor(private readonly n: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((resolve) => this.queue.push(resolve))
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.queue.shift()?.()
    }
  }
}

/** Hashes on the calling thread with `concurrency` files in flight. */
export function createStreamHasher(opts: StreamHasherOptions = {}): FileHasher {
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  const bufferSize = opts.bufferSize ?? 256 * 1024
  const reader = opts.reader ?? nodeFileReader
  const limiter = new Limiter(concurrency)
  const buffers: Buffer[] = []
  const stats: HashStats = { files: 0, bytes: 0 }

  async function hashOne(req: HashRequest): Promise<HashResult> {
    const buffer = buffers.pop() ?? Buffer.allocUnsafe(bufferSize)
    const h = createHash('sha256')
    h.update(req.header)
    let total = 0
    const file = await reader.open(req.absPath)
    try {
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, null)
        h.update(buffer.subarray(0, bytesRead))
        total += bytesRead
        // A short read of a regular file is end-of-file: saves one read per small file.
        if (bytesRead < buffer.length) break
      }
    } finally {
      await file.close()
      buffers.push(buffer)
    }
    stats.files++
    stats.bytes += total
    return { digest: `sha256:${h.digest('hex')}`, bytesRead: total }
  }

  return {
    hash: (req) => limiter.run(() => hashOne(req)),
    stats,
    close: async () => {},
  }
}
