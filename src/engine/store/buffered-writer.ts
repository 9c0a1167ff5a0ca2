import type { FileHandle } from 'node:fs/promises'
import { writeAll } from './atomic-write'

const BUFFER_BYTES = 1 << 20

/**
 * Gathers incoming chunks into 1 MiB buffers and writes one buffer while the next fills, so
 * hashing and disk writes overlap and a gzip stream's small chunks do not cost a syscall each.
 * Chunks are copied, never kept: a producer may reuse its buffer once it has been consumed.
 */
export class BufferedWriter {
  private readonly handle: FileHandle
  private readonly buffers = [Buffer.allocUnsafe(BUFFER_BYTES), Buffer.allocUnsafe(BUFFER_BYTES)]
  private current = 0
  private filled = 0
  private inflight: Promise<void> | undefined
  private failure: unknown

  constructor(handle: FileHandle) {
    this.handle = handle
  }

  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0
    while (offset < chunk.byteLength) {
      const buffer = this.buffers[this.current] as Buffer
      const n = Math.min(BUFFER_BYTES - this.filled, chunk.byteLength - offset)
      buffer.set(chunk.subarray(offset, offset + n), this.filled)
      this.filled += n
      offset += n
      if (this.filled === BUFFER_BYTES) await this.flush()
    }
  }

  /** Writes whatever is buffered and waits until all of it is on its way to the disk. */
  async finish(): Promise<void> {
    await this.flush()
    await this.settle()
    this.rethrow()
  }

  /** Waits for the write in flight without throwing: for cleanup before the handle closes. */
  async settle(): Promise<void> {
    if (this.inflight) await this.inflight
    this.inflight = undefined
  }

  private async flush(): Promise<void> {
    // The other buffer may still be in flight; it must land before it is refilled.
    await this.settle()
    this.rethrow()
    if (this.filled === 0) return
    const data = (this.buffers[this.current] as Buffer).subarray(0, this.filled)
    // Failures are kept rather than left as an unobserved rejection while the caller reads on.
    this.inflight = writeAll(this.handle, data).catch((error: unknown) => {
      this.failure ??= error
    })
    this.current ^= 1
    this.filled = 0
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure
  }
}
