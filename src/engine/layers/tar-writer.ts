import { closeSync, constants, createReadStream, openSync, readSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FileContent, LayerEntry } from './layer-entry'
import { LayerPathError, SortRank, cleanLayerPath, layerSortKey } from './layer-paths'
import { BLOCK_SIZE, encodeHeader, paddingFor, type TarHeader } from './tar-header'
import { isReservedName, opaqueMarkerPath, whiteoutPath } from './whiteouts'

/** One member ready to write: its header, where its data comes from, and where it sorts. */
export interface PreparedEntry {
  readonly key: Buffer
  readonly header: TarHeader
  readonly content?: FileContent
}

export interface PrepareOptions {
  /** mtime of whiteout and opaque-marker members (they are never extracted). Default 0. */
  whiteoutMtime?: number
}

export class LayerEntryError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`layer entry ${JSON.stringify(path)}: ${reason}`)
    this.name = 'LayerEntryError'
  }
}

type Content = Exclude<LayerEntry, { type: 'hardlink' | 'whiteout' | 'opaque' }>

/**
 * Validate, canonicalise and sort entries given in any order. The result depends only on the
 * set of entries, never on the order they came in: that is what makes a layer's diffID stable.
 */
export function prepareLayerEntries(entries: Iterable<LayerEntry>, options: PrepareOptions = {}): PreparedEntry[] {
  const markerTime = Math.floor(options.whiteoutMtime ?? 0)
  const byTarName = new Map<string, PreparedEntry>()
  const content = new Map<string, Content>()
  const links = new Map<string, string>() // hard link path → target path as given (cleaned)
  const add = (path: string, prepared: PreparedEntry): void => {
    if (byTarName.has(prepared.header.name)) throw new LayerEntryError(path, 'appears twice in the layer')
    byTarName.set(prepared.header.name, prepared)
  }
  // Modes as Docker's overlay differ writes them: 0600 for a whiteout, the directory's own
  // permissions for its opaque marker (so layers compare equal with BuildKit's, entry by entry).
  const marker = (name: string, rank: SortRank, mode: number): PreparedEntry => ({
    key: layerSortKey(name, rank),
    header: { name, type: 'file', mode, uid: 0, gid: 0, size: 0, mtime: markerTime },
  })
  const opaqueDirs: string[] = []

  for (const entry of entries) {
    const path = cleanLayerPath(entry.path)
    if (entry.type === 'opaque') {
      opaqueDirs.push(path)
      continue
    }
    if (path === '') throw new LayerPathError(entry.path, 'the root directory cannot be a layer entry')
    const reserved = path.split('/').find(isReservedName)
    if (reserved !== undefined) throw new LayerEntryError(path, `"${reserved}" is a whiteout name; content may not use it`)
    if (entry.type === 'whiteout') {
      add(path, marker(whiteoutPath(path), SortRank.Whiteout, 0o600))
      continue
    }
    if (content.has(path) || links.has(path)) throw new LayerEntryError(path, 'appears twice in the layer')
    if (entry.type === 'hardlink') links.set(path, cleanLayerPath(entry.linkTarget))
    else content.set(path, entry)
  }

  for (const path of opaqueDirs) {
    const dir = content.get(path)
    add(path, marker(opaqueMarkerPath(path), SortRank.Opaque, dir?.type === 'dir' ? dir.mode & 0o777 : 0o755))
  }

  // Every name of one inode: the name that sorts first carries the data, the others link to it.
  const groups = new Map<string, string[]>()
  for (const [path, target] of links) {
    let root = target
    for (let hops = 0; links.has(root); hops++) {
      if (hops > links.size) throw new LayerEntryError(path, 'hard links form a cycle')
      root = links.get(root) ?? root
    }
    const data = content.get(root)
    if (!data) throw new LayerEntryError(path, `hard link to ${JSON.stringify(target)}, which is not a file in this layer`)
    if (data.type === 'dir') throw new LayerEntryError(path, `hard link to directory ${JSON.stringify(target)}`)
    const group = groups.get(root) ?? [root]
    group.push(path)
    groups.set(root, group)
  }
  const linkOf = new Map<string, string>() // path → first name of its inode
  for (const [root, names] of groups) {
    const keyed = names.map((name) => ({ name, key: layerSortKey(name) })).sort((a, b) => Buffer.compare(a.key, b.key))
    const first = keyed[0]?.name ?? root
    const data = content.get(root)
    if (data && first !== root) {
      content.delete(root)
      content.set(first, data)
    }
    for (const { name } of keyed) if (name !== first) linkOf.set(name, first)
  }

  for (const [path, entry] of content) add(path, prepareContent(path, entry))
  for (const [path, first] of linkOf) {
    const data = content.get(first)
    if (!data) continue
    const header: TarHeader = { ...headerFor(path, data), type: 'hardlink', size: 0, linkname: first }
    delete header.devmajor
    delete header.devminor
    add(path, { key: layerSortKey(path), header })
  }
  return [...byTarName.values()].sort((a, b) => Buffer.compare(a.key, b.key))
}

function headerFor(path: string, entry: Content): TarHeader {
  if (!Number.isFinite(entry.mtime)) throw new LayerEntryError(path, `mtime ${entry.mtime} is not a number`)
  const header: TarHeader = {
    name: entry.type === 'dir' ? `${path}/` : path,
    type: entry.type,
    mode: entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
    size: 0,
    mtime: Math.floor(entry.mtime),
  }
  if (entry.uname !== undefined) header.uname = entry.uname
  if (entry.gname !== undefined) header.gname = entry.gname
  if (entry.xattrs && Object.keys(entry.xattrs).length > 0) header.xattrs = entry.xattrs
  return header
}

function prepareContent(path: string, entry: Content): PreparedEntry {
  const header = headerFor(path, entry)
  const key = layerSortKey(path)
  switch (entry.type) {
    case 'file': {
      if (entry.content.from === 'bytes' && entry.content.bytes.length !== entry.size) {
        throw new LayerEntryError(path, `size ${entry.size} but ${entry.content.bytes.length} bytes given`)
      }
      return { key, header: { ...header, size: entry.size }, content: entry.content }
    }
    case 'symlink':
      // Symlink targets are stored verbatim: they are resolved at run time, inside the container.
      return { key, header: { ...header, linkname: entry.linkTarget } }
    case 'char':
    case 'block':
      return { key, header: { ...header, devmajor: entry.devMajor, devminor: entry.devMinor } }
    default:
      return { key, header }
  }
}

/**
 * Files up to this size are read with synchronous calls on the calling thread: through the
 * thread pool each costs an open, one or two reads and a close as separate round trips, taken
 * one file after another, which left a 20,000-file COPY mostly waiting (and competing with
 * zlib for the pool's threads). A small file's read takes microseconds.
 */
const SMALL_FILE = 1 << 16

/** A small file's bytes, or an error if it no longer has exactly `size` bytes. */
function readSmallFile(path: string, size: number, noFollow: boolean): Buffer {
  const fd = openSync(path, constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0))
  try {
    // One byte more than declared: a file that grew is caught here, as the stream path would.
    const buffer = Buffer.allocUnsafe(size + 1)
    let read = 0
    for (;;) {
      const n = readSync(fd, buffer, read, buffer.length - read, null)
      if (n === 0) break
      read += n
      if (read === buffer.length) break
    }
    return buffer.subarray(0, read)
  } finally {
    closeSync(fd)
  }
}

function openContent(content: FileContent, size: number): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  switch (content.from) {
    case 'file':
      if (size <= SMALL_FILE) return [readSmallFile(content.path, size, content.noFollow === true)]
      // Opened here (not by the stream) so that O_NOFOLLOW applies; the stream closes it.
      return createReadStream('', { fd: openSync(content.path, constants.O_RDONLY | (content.noFollow ? constants.O_NOFOLLOW : 0)), highWaterMark: 1 << 18 })
    case 'stream':
      return content.open()
    case 'bytes':
      return [content.bytes]
  }
}

/**
 * The archive's bytes, member after member, in the order given; file data is streamed from its
 * source as it is needed. A source that yields more or fewer bytes than the declared size is an
 * error (the header is already out), never a silently corrupt layer.
 */
export async function* encodeTar(entries: Iterable<PreparedEntry> | AsyncIterable<PreparedEntry>): AsyncGenerator<Buffer> {
  // Headers, padding and small files are gathered into chunks of at least BATCH bytes: every
  // chunk costs a hash update and a zlib thread-pool round trip downstream, and a layer of
  // many small files would otherwise spend its time on those instead of compressing.
  let pending: Buffer[] = []
  let pendingBytes = 0
  const take = (): Buffer => {
    const out = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes)
    pending = []
    pendingBytes = 0
    return out
  }
  const add = (chunk: Buffer): boolean => {
    pending.push(chunk)
    pendingBytes += chunk.length
    return pendingBytes >= BATCH
  }
  for await (const entry of entries) {
    if (add(encodeHeader(entry.header))) yield take()
    const size = entry.header.size
    if (entry.content) {
      let written = 0
      for await (const chunk of openContent(entry.content, size)) {
        written += chunk.length
        if (written > size) break
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
        if (buffer.length >= BATCH) {
          if (pendingBytes > 0) yield take()
          yield buffer // large chunks pass through uncopied
        } else if (add(buffer)) yield take()
      }
      if (written !== size) {
        const verb = written > size ? 'grew past' : 'ended before'
        throw new LayerEntryError(entry.header.name, `content ${verb} its declared size of ${size} bytes (changed while the layer was written?)`)
      }
    } else if (size !== 0) throw new LayerEntryError(entry.header.name, `size ${size} but no content`)
    const pad = paddingFor(size)
    if (pad > 0 && add(Buffer.alloc(pad))) yield take()
  }
  add(Buffer.alloc(2 * BLOCK_SIZE))
  yield take()
}

const BATCH = 1 << 16

/** Write entries (any order) as a deterministic tar to `out`, which is ended afterwards. */
export async function writeTar(entries: Iterable<LayerEntry>, out: Writable, options: PrepareOptions = {}): Promise<void> {
  await pipeline(encodeTar(prepareLayerEntries(entries, options)), out)
}
