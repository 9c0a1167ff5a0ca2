import { createHash } from 'node:crypto'
import { TarFormatError, classifyWhiteout, readLayer, type ByteSource, type ReadTarOptions } from '../layers'
import { cleanArchivePath } from '../layers/layer-paths'

/** What the waste analysis keeps of one layer member: metadata and, for files, a content digest. */
export type ScanRecord =
  | { kind: 'file'; path: string; size: number; digest?: string }
  | { kind: 'hardlink'; path: string; target: string }
  | { kind: 'dir'; path: string }
  /** Symlinks, devices, fifos: names without file data. */
  | { kind: 'other'; path: string }
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; path: string }

export interface ScanOptions extends ReadTarOptions {
  /** Hash file contents (for duplicate detection); default true. Off, bodies are skipped unread. */
  hash?: boolean
}

/**
 * The members of a layer blob (gzip or plain) reduced to ScanRecords, streamed: each file's bytes
 * pass through a hash and are dropped, so memory holds one chunk, never a file or the layer.
 */
export async function* scanLayer(source: ByteSource, options: ScanOptions = {}): AsyncGenerator<ScanRecord> {
  const hash = options.hash ?? true
  for await (const { header, body } of readLayer(source, options)) {
    const path = cleanArchivePath(header.name)
    if (path === undefined) throw new TarFormatError(`layer entry ${JSON.stringify(header.name)} climbs out of the root`)
    if (path === '') continue
    const whiteout = classifyWhiteout(path)
    if (whiteout?.kind === 'meta') continue
    if (whiteout?.kind === 'whiteout') yield { kind: 'whiteout', path: whiteout.target }
    else if (whiteout?.kind === 'opaque') yield { kind: 'opaque', path: whiteout.dir }
    else if (header.type === 'file') {
      if (!hash || header.size === 0) yield { kind: 'file', path, size: header.size }
      else {
        const digest = createHash('sha256')
        for await (const chunk of body) digest.update(chunk)
        yield { kind: 'file', path, size: header.size, digest: `sha256:${digest.digest('hex')}` }
      }
    } else if (header.type === 'hardlink') {
      const target = cleanArchivePath(header.linkname ?? '')
      if (target === undefined || target === '') throw new TarFormatError(`hard link ${JSON.stringify(header.name)} points outside the layer (${JSON.stringify(header.linkname)})`)
      yield { kind: 'hardlink', path, target }
    } else if (header.type === 'dir') yield { kind: 'dir', path }
    else yield { kind: 'other', path }
  }
}
