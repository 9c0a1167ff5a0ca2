import { createReadStream } from 'node:fs'
import { open, realpath } from 'node:fs/promises'
import path from 'node:path'
import type { Store } from '../store'
import { sha256Digest } from '../store'
import { archiveName, checkNamedDigest } from './archive-names'
import { ImageIoError } from './errors'
import { ingestBlob, type IngestedBlob } from './layer-ingest'

/**
 * What the importers read an image from: a staged archive or a directory. Both answer by
 * member name; neither ever turns a name from the input into a path it writes to.
 */
export interface ImportSource {
  /** For messages: the file or directory being loaded. */
  readonly label: string
  has(name: string): Promise<boolean>
  /** A small member's bytes (JSON documents), undefined if there is no such member. */
  readFile(name: string, maxBytes: number): Promise<Buffer | undefined>
  /** The member in the store (as a gzip layer if it is a tar), undefined if absent. */
  ingest(name: string): Promise<IngestedBlob | undefined>
}

/** An unpacked docker-archive or an OCI image layout directory. */
export class DirectorySource implements ImportSource {
  private readonly ingested = new Map<string, Promise<IngestedBlob | undefined>>()

  private constructor(
    private readonly store: Store,
    private readonly root: string,
    readonly label: string,
  ) {}

  static async open(store: Store, dir: string): Promise<DirectorySource> {
    return new DirectorySource(store, await realpath(dir), dir)
  }

  async has(name: string): Promise<boolean> {
    return (await this.locate(name)) !== undefined
  }

  async readFile(name: string, maxBytes: number): Promise<Buffer | undefined> {
    const file = await this.locate(name)
    if (file === undefined) return undefined
    const handle = await open(file, 'r')
    try {
      const stats = await handle.stat()
      const size = stats.size
      if (!stats.isFile()) throw new ImageIoError('invalid-archive', `${name} in ${this.label} is not a regular file`)
      if (size > maxBytes) throw new ImageIoError('invalid-archive', `${name} is ${size} bytes, more than the ${maxBytes} allowed for it`)
      const bytes = await handle.readFile()
      checkNamedDigest(archiveName(name), sha256Digest(bytes))
      return bytes
    } finally {
      await handle.close()
    }
  }

  ingest(name: string): Promise<IngestedBlob | undefined> {
    const key = archiveName(name)
    let pending = this.ingested.get(key)
    if (!pending) {
      pending = (async () => {
        const file = await this.locate(key)
        if (file === undefined) return undefined
        const blob = await ingestBlob(this.store, createReadStream(file, { highWaterMark: 1 << 20 }))
        checkNamedDigest(key, blob.digest)
        return blob
      })()
      this.ingested.set(key, pending)
    }
    return pending
  }

  /** The real path of a member; links inside the directory are fine, links out of it are not. */
  private async locate(name: string): Promise<string | undefined> {
    const relative = archiveName(name)
    let real: string
    try {
      real = await realpath(path.join(this.root, ...relative.split('/')))
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined
      throw error
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new ImageIoError('unsafe-archive', `refusing ${this.label}: ${relative} resolves to ${real}, outside the directory`)
    }
    return real
  }
}
