import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { ExtractError, LayerPathError, cleanLayerPath, decompressedLayer, readTar, type ByteSource, type ReadTarOptions, type TarEntryHeader } from '../layers'
import { StoreError } from '../store'
import type { IndexRecord } from './snapshot-index'
import { DiskPolicy, TimeSlice } from './snapshot-io'
import { SnapshotWriter, type WriterOptions } from './snapshot-writer'

export interface SnapshotExtractOptions extends ReadTarOptions, WriterOptions {
  /** Fail (after reading everything) unless the uncompressed stream hashes to this. */
  expectedDiffId?: string
  /** Real owners, exact modes and device nodes on disk. Default: when running as root. */
  privileged?: boolean
}

export interface SnapshotContents {
  diffId: string
  /** Clean layer path → record, in the order the tar created them. */
  entries: Map<string, IndexRecord>
  whiteouts: Set<string>
  opaque: Set<string>
  tarBytes: number
  fileBytes: number
}

/**
 * Unpack one layer (gzip or plain tar) into an empty directory as a standalone snapshot (see
 * SnapshotWriter), hashing the uncompressed stream on the way: a layer whose bytes do not match
 * its diffID fails after the last byte, and the caller discards the directory.
 */
export async function extractSnapshot(source: ByteSource, rootDir: string, options: SnapshotExtractOptions = {}): Promise<SnapshotContents> {
  const root = resolve(rootDir)
  const disk = await DiskPolicy.probe(root, options.privileged ?? process.getuid?.() === 0)
  const writer = new SnapshotWriter(root, disk, options)
  const slice = new TimeSlice()

  const upstream = (await decompressedLayer(source))[Symbol.asyncIterator]()
  const hash = createHash('sha256')
  let tarBytes = 0
  const pull = async (): Promise<IteratorResult<Buffer>> => {
    const next = await upstream.next()
    if (!next.done) {
      hash.update(next.value)
      tarBytes += next.value.length
    }
    return next
  }
  // readTar stops at the end blocks and closes its source; the diffID covers every byte, so the
  // tap ignores that close and the rest is drained into the hash below.
  const tapped: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: pull, return: async () => ({ done: true, value: undefined }) }) }

  try {
    for await (const { header, body } of readTar(tapped, options)) {
      await apply(header, body)
      await slice.pause()
    }
    while (!(await pull()).done) {
      // hashing the trailing zero blocks
    }
  } catch (error) {
    await upstream.return?.()
    throw error
  }
  const diffId = `sha256:${hash.digest('hex')}`
  if (options.expectedDiffId !== undefined && diffId !== options.expectedDiffId) {
    throw new StoreError('digest-mismatch', `layer content hashes to ${diffId}, not to its diffID ${options.expectedDiffId}`)
  }
  writer.finish()
  const { entries, whiteouts, opaque, fileBytes } = writer
  return { diffId, entries, whiteouts, opaque, tarBytes, fileBytes }

  async function apply(h: TarEntryHeader, body: AsyncIterable<Buffer>): Promise<void> {
    let path: string
    try {
      path = cleanLayerPath(h.name)
    } catch (error) {
      // '..' climbing above the root, or a NUL byte: never a path inside the snapshot.
      if (error instanceof LayerPathError) throw new ExtractError(h.name, `refusing the name: ${error.message}`)
      throw error
    }
    // The root's own entry: a snapshot keeps a plain 0755 root, as extractLayer keeps the destination's.
    if (path === '') return
    try {
      await writer.apply(path, h, body)
    } catch (error) {
      if (error instanceof ExtractError) throw error
      throw new ExtractError(h.name, error instanceof Error ? error.message : String(error), { cause: error })
    }
  }
}
