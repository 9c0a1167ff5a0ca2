import type { TarEntry } from '../layers'
import { readTar } from '../layers'
import type { Store } from '../store'
import { sha256Digest } from '../store'
import { archiveName, checkNamedDigest, linkTarget } from './archive-names'
import { collect } from './byte-streams'
import { ImageIoError } from './errors'
import type { ImportSource } from './import-source'
import { ingestBlob, type IngestedBlob } from './layer-ingest'

type Staged =
  | { kind: 'small'; bytes: Buffer }
  | { kind: 'stored'; blob: IngestedBlob }
  | { kind: 'link'; target: string }

export interface StagingOptions {
  /** Members up to this size wait in memory until we know what they are (default 1 MiB). */
  smallMax?: number
  /** Total memory for such members; past it they go to the store right away (default 256 MiB). */
  memoryBudget?: number
}

/**
 * An archive read in one pass, as a stream (a pipe, a gzip-compressed file) allows. Which
 * member is a layer is only known from manifest.json or index.json, which may come last, so
 * every large member goes into the store as it streams by, in the form it would need as a
 * layer (see ingestBlob); small ones (configs, manifests, tiny layers) wait in memory.
 * Member names stay names: nothing is extracted, so no name can reach the filesystem.
 */
export class StagedArchive implements ImportSource {
  private readonly members = new Map<string, Staged>()
  private readonly ingested = new Map<string, Promise<IngestedBlob>>()

  private constructor(
    private readonly store: Store,
    readonly label: string,
  ) {}

  static async read(store: Store, tar: AsyncIterable<Uint8Array>, label: string, options: StagingOptions = {}): Promise<StagedArchive> {
    const archive = new StagedArchive(store, label)
    const smallMax = options.smallMax ?? 1 << 20
    let budget = options.memoryBudget ?? 256 << 20
    try {
      for await (const entry of readTar(tar)) {
        const name = archiveName(entry.header.name)
        if (entry.header.type === 'dir' || name === '') continue
        if (archive.members.has(name)) throw new ImageIoError('invalid-archive', `${label}: member ${name} appears twice`)
        const staged = await archive.stage(entry, name, entry.header.size <= Math.min(smallMax, budget))
        if (staged.kind === 'small') budget -= staged.bytes.length
        archive.members.set(name, staged)
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'TarFormatError') {
        throw new ImageIoError('invalid-archive', `${label} is not a valid tar archive: ${error.message}`, { cause: error })
      }
      throw error
    }
    return archive
  }

  private async stage(entry: TarEntry, name: string, small: boolean): Promise<Staged> {
    const { header } = entry
    switch (header.type) {
      case 'symlink':
      case 'hardlink':
        return { kind: 'link', target: linkTarget(name, header.linkname ?? '', header.type === 'symlink') }
      case 'file': {
        if (small) {
          const bytes = await collect(entry.body, header.size, name)
          checkNamedDigest(name, sha256Digest(bytes))
          return { kind: 'small', bytes }
        }
        const blob = await ingestBlob(this.store, entry.body)
        checkNamedDigest(name, blob.digest)
        return { kind: 'stored', blob }
      }
      default:
        throw new ImageIoError('invalid-archive', `${this.label}: member ${name} is a ${header.type} device or fifo, which no image archive contains`)
    }
  }

  async has(name: string): Promise<boolean> {
    return this.lookup(name) !== undefined
  }

  async readFile(name: string, maxBytes: number): Promise<Buffer | undefined> {
    const found = this.lookup(name)
    if (found === undefined) return undefined
    if (found.staged.kind === 'small') {
      if (found.staged.bytes.length > maxBytes) throw tooLarge(found.name, found.staged.bytes.length, maxBytes)
      return found.staged.bytes
    }
    const { blob } = found.staged
    if (blob.compression === 'none' && blob.layer) {
      throw new ImageIoError('invalid-archive', `${this.label}: ${found.name} is a tar archive where a JSON document was expected`)
    }
    if (blob.size > maxBytes) throw tooLarge(found.name, blob.size, maxBytes)
    return this.store.readBlob(blob.digest, maxBytes)
  }

  async ingest(name: string): Promise<IngestedBlob | undefined> {
    const found = this.lookup(name)
    if (found === undefined) return undefined
    if (found.staged.kind === 'stored') return found.staged.blob
    const { bytes } = found.staged
    let pending = this.ingested.get(found.name)
    if (!pending) this.ingested.set(found.name, (pending = ingestBlob(this.store, (async function* () { yield bytes })())))
    return pending
  }

  /** Follows link members by name, a bounded number of times (links may form a loop). */
  private lookup(raw: string): { name: string; staged: Exclude<Staged, { kind: 'link' }> } | undefined {
    let name = archiveName(raw)
    for (let hops = 0; hops < 40; hops++) {
      const staged = this.members.get(name)
      if (staged === undefined) return undefined
      if (staged.kind !== 'link') return { name, staged }
      name = staged.target
    }
    throw new ImageIoError('invalid-archive', `${this.label}: too many levels of links at ${raw}`)
  }
}

function tooLarge(name: string, size: number, max: number): ImageIoError {
  return new ImageIoError('invalid-archive', `${name} is ${size} bytes, more than the ${max} allowed for it`)
}
