import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { mkdir, open, readdir, stat, unlink, utimes } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { Transform, pipeline } from 'node:stream'
import { fsyncDir, renameReplacing, uniqueSuffix, writeAll } from './atomic-write'
import { BufferedWriter } from './buffered-writer'
import type { Digest } from './digest'
import { assertDigest, digestFromHex, digestHex, isSha256Hex, sha256Digest } from './digest'
import { StoreError, hasErrnoCode } from './store-errors'

export interface BlobInfo {
  digest: Digest
  size: number
}

/** What the caller already knows about the bytes (from a manifest, a registry header...). */
export interface ExpectedBlob {
  digest?: string
  size?: number
}

export interface BlobFile extends BlobInfo {
  path: string
  mtimeMs: number
}

/** Manifests and configs are kilobytes; refusing more keeps a mistaken readJson(layer) cheap. */
const MAX_SMALL_BLOB_BYTES = 64 << 20

/**
 * Content-addressed blobs in `blobs/sha256/<hex>`, the OCI image layout's own scheme. A blob
 * file only ever appears under its name with its full content: bytes go to a temp file in the
 * store's `tmp/` (same filesystem), are hashed while written, fsynced, checked, then renamed.
 * Writers need no lock: two processes storing the same bytes rename identical files.
 */
export class BlobStore {
  readonly root: string
  readonly blobsDir: string
  readonly tempDir: string

  constructor(root: string) {
    this.root = root
    this.blobsDir = path.join(root, 'blobs', 'sha256')
    this.tempDir = path.join(root, 'tmp')
  }

  /** Throws `invalid-digest` for anything but a canonical sha256 digest, before any path exists. */
  blobPath(digest: string): string {
    return path.join(this.blobsDir, digestHex(digest))
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await statIfExists(this.blobPath(digest)))?.isFile() ?? false
  }

  async blobSize(digest: string): Promise<number> {
    const stats = await statIfExists(this.blobPath(digest))
    if (!stats?.isFile()) throw notFound(digest)
    return stats.size
  }

  /**
   * A read stream over the blob. With `verify`, the stream re-hashes what it passes on and ends
   * with a `corrupt` error instead of `end` if the bytes do not match: consumers must treat an
   * error as "discard everything read".
   */
  async openBlob(digest: string, options: { verify?: boolean } = {}): Promise<Readable> {
    const handle = await this.openExisting(digest)
    const stream = handle.createReadStream({ highWaterMark: 1 << 20 })
    if (!options.verify) return stream
    const checked = verifying(assertDigest(digest))
    pipeline(stream, checked, () => undefined)
    return checked
  }

  /** The whole blob in memory, verified against its digest. For small blobs only. */
  async readBlob(digest: string, maxBytes = MAX_SMALL_BLOB_BYTES): Promise<Buffer> {
    const handle = await this.openExisting(digest)
    let data: Buffer
    try {
      const { size } = await handle.stat()
      if (size > maxBytes) throw new StoreError('invalid-argument', `blob ${digest} is ${size} bytes, more than ${maxBytes} allowed here`)
      data = await handle.readFile()
    } finally {
      await handle.close()
    }
    const actual = sha256Digest(data)
    if (actual !== digest) throw new StoreError('corrupt', `blob ${digest} is corrupt: its content hashes to ${actual}`)
    return data
  }

  async readJson<T = unknown>(digest: string): Promise<T> {
    const data = await this.readBlob(digest)
    try {
      return JSON.parse(data.toString('utf8')) as T
    } catch (error) {
      throw new StoreError('corrupt', `blob ${digest} is not JSON`, { cause: error })
    }
  }

  /** For small, in-memory content such as manifests and configs. */
  async putBlob(data: Uint8Array | string, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    const want = checkExpected(expected)
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const info: BlobInfo = { digest: sha256Digest(bytes), size: bytes.byteLength }
    verify(info, want)
    if (await this.touchIfPresent(info.digest)) return info
    const temp = await this.newTempPath()
    try {
      const handle = await open(temp, 'wx', 0o644)
      try {
        await writeAll(handle, bytes)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await this.commit(temp, info.digest)
    } finally {
      await unlink(temp).catch(() => undefined)
    }
    return info
  }

  /**
   * Streams `source` into the store without holding it in memory. With `expected`, a size
   * overrun stops the copy as soon as it happens and any mismatch leaves nothing behind.
   */
  async putBlobFromStream(source: AsyncIterable<Uint8Array | string>, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    const want = checkExpected(expected)
    const temp = await this.newTempPath()
    try {
      const hash = createHash('sha256')
      let size = 0
      const handle = await open(temp, 'wx', 0o644)
      const writer = new BufferedWriter(handle)
      try {
        for await (const chunk of source) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
          size += bytes.byteLength
          if (want.size !== undefined && size > want.size) {
            throw new StoreError('size-mismatch', `blob is larger than the expected ${want.size} bytes`)
          }
          hash.update(bytes)
          await writer.write(bytes)
        }
        await writer.finish()
        await handle.sync()
      } finally {
        await writer.settle()
        await handle.close()
      }
      const info: BlobInfo = { digest: `sha256:${hash.digest('hex')}`, size }
      verify(info, want)
      await this.commit(temp, info.digest)
      return info
    } finally {
      // After a successful commit the temp name is gone already; this only cleans up failures.
      await unlink(temp).catch(() => undefined)
    }
  }

  /** Deletes one blob. Only prune should: everything else treats blobs as immutable. */
  async removeBlob(digest: string): Promise<boolean> {
    try {
      await unlink(this.blobPath(digest))
      return true
    } catch (error) {
      if (hasErrnoCode(error, 'ENOENT')) return false
      throw error
    }
  }

  /** Every blob file, plus the names in `blobs/sha256` that are not blobs (for check). */
  async scanBlobs(): Promise<{ blobs: BlobFile[]; strays: string[] }> {
    let names: string[]
    try {
      names = await readdir(this.blobsDir)
    } catch (error) {
      if (hasErrnoCode(error, 'ENOENT')) return { blobs: [], strays: [] }
      throw error
    }
    const blobs: BlobFile[] = []
    const strays: string[] = []
    const batch = 64
    for (let i = 0; i < names.length; i += batch) {
      await Promise.all(
        names.slice(i, i + batch).map(async (name) => {
          const file = path.join(this.blobsDir, name)
          const stats = await statIfExists(file)
          if (!stats) return
          if (!stats.isFile() || !isSha256Hex(name)) strays.push(file)
          else blobs.push({ digest: digestFromHex(name), size: stats.size, mtimeMs: stats.mtimeMs, path: file })
        }),
      )
    }
    blobs.sort((a, b) => a.digest.localeCompare(b.digest))
    return { blobs, strays: strays.sort() }
  }

  private async openExisting(digest: string): Promise<FileHandle> {
    try {
      return await open(this.blobPath(digest), 'r')
    } catch (error) {
      if (hasErrnoCode(error, 'ENOENT')) throw notFound(digest)
      throw error
    }
  }

  private async newTempPath(): Promise<string> {
    await mkdir(this.tempDir, { recursive: true })
    return path.join(this.tempDir, `.blob.${uniqueSuffix()}.tmp`)
  }

  private async commit(temp: string, digest: Digest): Promise<void> {
    if (await this.touchIfPresent(digest)) return
    const target = this.blobPath(digest)
    try {
      await renameReplacing(temp, target)
    } catch (error) {
      if (!hasErrnoCode(error, 'ENOENT')) throw error
      await mkdir(this.blobsDir, { recursive: true })
      await renameReplacing(temp, target)
    }
    await fsyncDir(this.blobsDir)
  }

  /**
   * A blob written again is in use again: refreshing its mtime keeps prune's grace period from
   * deleting it between this write and the manifest or cache entry that will reference it.
   */
  private async touchIfPresent(digest: Digest): Promise<boolean> {
    const file = this.blobPath(digest)
    const now = new Date()
    try {
      await utimes(file, now, now)
      return true
    } catch (error) {
      if (hasErrnoCode(error, 'ENOENT')) return false
      if (hasErrnoCode(error, 'EPERM', 'EACCES')) return (await statIfExists(file)) !== undefined
      throw error
    }
  }
}

function checkExpected(expected: ExpectedBlob): { digest?: Digest; size?: number } {
  const want: { digest?: Digest; size?: number } = {}
  if (expected.digest !== undefined) want.digest = assertDigest(expected.digest, 'expected digest')
  if (expected.size !== undefined) {
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new StoreError('invalid-argument', `invalid expected size ${expected.size}`)
    }
    want.size = expected.size
  }
  return want
}

function verify(actual: BlobInfo, want: { digest?: Digest; size?: number }): void {
  if (want.size !== undefined && actual.size !== want.size) {
    throw new StoreError('size-mismatch', `blob ${actual.digest} has ${actual.size} bytes, expected ${want.size}`)
  }
  if (want.digest !== undefined && actual.digest !== want.digest) {
    throw new StoreError('digest-mismatch', `content hashes to ${actual.digest}, expected ${want.digest}`)
  }
}

function verifying(digest: Digest): Transform {
  const hash = createHash('sha256')
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      callback(null, chunk)
    },
    flush(callback) {
      const actual = `sha256:${hash.digest('hex')}`
      callback(actual === digest ? null : new StoreError('corrupt', `blob ${digest} is corrupt: its content hashes to ${actual}`))
    },
  })
}

function notFound(digest: string): StoreError {
  return new StoreError('not-found', `blob ${digest} is not in the store`)
}

export async function statIfExists(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file)
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return undefined
    throw error
  }
}
