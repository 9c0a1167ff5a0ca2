import { Readable, pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { ByteReader, asyncIterator, type ByteSource } from './byte-reader'
import { BLOCK_SIZE, FIELD, TYPEFLAG, headerChecksum, paddingFor, parsePaxRecords, type EntryType, type TarHeader } from './tar-header'

/** A header as read: TarHeader plus what only a reader sees. xattrs are always present. */
export interface TarEntryHeader extends TarHeader {
  xattrs: Record<string, Buffer>
  /** The raw typeflag character, for diagnostics. */
  typeflag: string
  /** Byte offset of the member's (first) header block in the uncompressed archive. */
  offset: number
}

export interface TarEntry {
  header: TarEntryHeader
  /** The member's data; may be left unread, the reader skips what was not consumed. */
  body: AsyncIterable<Buffer>
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarFormatError'
  }
}

export interface ReadTarOptions {
  /** Cap on PAX / GNU long-name data per member, so a hostile archive cannot exhaust memory. */
  maxMetadataBytes?: number
}

const TYPES: Record<string, EntryType> = {
  [TYPEFLAG.file]: 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file to everyone but one 1980s system
  [TYPEFLAG.hardlink]: 'hardlink',
  [TYPEFLAG.symlink]: 'symlink',
  [TYPEFLAG.char]: 'char',
  [TYPEFLAG.block]: 'block',
  [TYPEFLAG.dir]: 'dir',
  [TYPEFLAG.fifo]: 'fifo',
}

function field(block: Buffer, [offset, width]: readonly [number, number]): Buffer {
  const raw = block.subarray(offset, offset + width)
  const nul = raw.indexOf(0)
  return nul < 0 ? raw : raw.subarray(0, nul)
}

/** A NUL-terminated (or full-width) text field, decoded without slicing the block. */
function text(block: Buffer, [offset, width]: readonly [number, number]): string {
  let end = offset
  const limit = offset + width
  while (end < limit && block[end] !== 0) end++
  return end === offset ? '' : block.toString('utf8', offset, end)
}

/** Octal with optional leading/trailing spaces and NULs, or GNU base-256 (high bit set). */
export function parseNumeric(block: Buffer, [offset, width]: readonly [number, number], what: string): number {
  const first = block[offset] ?? 0
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError(`negative base-256 ${what}`)
    let value = first & 0x7f
    for (let i = 1; i < width; i++) value = value * 256 + (block[offset + i] ?? 0)
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`${what} too large`)
    return value
  }
  // A byte loop rather than toString + regex: this runs several times per member.
  let i = offset
  const end = offset + width
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++
  let value = 0
  for (; i < end; i++) {
    const c = block[i] ?? 0
    if (c === 0x20 || c === 0) break
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`invalid ${what} field ${JSON.stringify(block.toString('latin1', offset, end))}`)
    value = value * 8 + (c - 0x30)
  }
  for (; i < end; i++) {
    if (block[i] !== 0x20 && block[i] !== 0) throw new TarFormatError(`invalid ${what} field ${JSON.stringify(block.toString('latin1', offset, end))}`)
  }
  return value
}

const EMPTY_BODY: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) }

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false
  return true
}

function verifyChecksum(block: Buffer, offset: number): void {
  const stored = parseNumeric(block, FIELD.checksum, 'checksum')
  if (stored === headerChecksum(block)) return
  // Some historic writers summed signed chars; accept that too, as GNU tar does.
  let signed = 0
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const inField = i >= FIELD.checksum[0] && i < FIELD.checksum[0] + FIELD.checksum[1]
    const b = block[i] ?? 0
    signed += inField ? 0x20 : b > 127 ? b - 256 : b
  }
  if (stored !== signed) throw new TarFormatError(`bad header checksum at byte ${offset} (not a tar archive, or corrupted)`)
}

const paxNumber = (value: Buffer, key: string): number => {
  const t = value.toString('latin1')
  // PAX mtime may carry a fraction; layers keep whole seconds (floor, also for negatives).
  const n = key === 'mtime' ? Math.floor(Number(t)) : Number(t)
  if (!/^-?[0-9]+(\.[0-9]*)?$/.test(t) || !Number.isSafeInteger(n)) throw new TarFormatError(`invalid PAX ${key} ${JSON.stringify(t)}`)
  return n
}

/**
 * Stream the members of an uncompressed tar. Understands ustar, PAX (x and g), GNU long names
 * (L/K) and base-256 numbers; refuses what a layer must not contain (sparse files, multi-volume).
 */
export async function* readTar(source: ByteSource, options: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const maxMeta = options.maxMetadataBytes ?? 1 << 20
  const reader = new ByteReader(source)
  let global = new Map<string, Buffer>()
  try {
    for (;;) {
      let local = new Map<string, Buffer>()
      let longName: string | undefined
      let longLink: string | undefined
      let block: Buffer
      let offset: number
      // Extension headers (PAX, GNU) describe the next real member: gather them first.
      for (;;) {
        offset = reader.position
        block = await reader.read(BLOCK_SIZE)
        const pending = local.size > 0 || longName !== undefined || longLink !== undefined
        if (pending && (block.length === 0 || isZeroBlock(block))) throw new TarFormatError(`archive ends after an extension header, before its member (byte ${offset})`)
        if (block.length === 0) return // end of input without end blocks: tolerated, as GNU tar does
        if (block.length < BLOCK_SIZE) throw new TarFormatError(`archive truncated inside a header at byte ${offset}`)
        if (isZeroBlock(block)) return
        verifyChecksum(block, offset)
        const flag = String.fromCharCode(block[FIELD.typeflag[0]] ?? 0)
        if (!['x', 'g', 'L', 'K'].includes(flag)) break
        const size = parseNumeric(block, FIELD.size, 'size')
        if (size > maxMeta) throw new TarFormatError(`extension header of ${size} bytes at byte ${offset} exceeds ${maxMeta}`)
        const data = await reader.read(size)
        if (data.length < size) throw new TarFormatError(`archive truncated inside an extension header at byte ${offset}`)
        await reader.skip(paddingFor(size))
        if (flag === 'x') local = new Map([...local, ...parsePaxRecords(data)])
        else if (flag === 'g') global = new Map([...global, ...parsePaxRecords(data)])
        else if (flag === 'L') longName = field(data, [0, data.length]).toString('utf8')
        else longLink = field(data, [0, data.length]).toString('utf8')
      }
      const header = decodeMember(block, offset, global.size > 0 ? new Map([...global, ...local]) : local, longName, longLink)
      let remaining = header.size
      let current = true
      const body = remaining === 0 ? EMPTY_BODY : (async function* () {
        // The bytes are shared with the next member: a body read late would be someone else's.
        if (!current) throw new TarFormatError(`body of ${JSON.stringify(header.name)} read after moving to the next member`)
        for await (const chunk of reader.chunks(remaining)) {
          remaining -= chunk.length
          yield chunk
        }
        if (remaining > 0) throw new TarFormatError(`archive truncated inside ${JSON.stringify(header.name)}`)
      })()
      yield { header, body }
      current = false
      if (remaining > 0) {
        const want = remaining
        remaining -= await reader.skip(want)
        if (remaining > 0) throw new TarFormatError(`archive truncated inside ${JSON.stringify(header.name)}`)
      }
      const pad = paddingFor(header.size)
      if ((await reader.skip(pad)) < pad) return // missing final padding: the data is complete
    }
  } finally {
    await reader.close()
  }
}

function decodeMember(block: Buffer, offset: number, pax: Map<string, Buffer>, longName?: string, longLink?: string): TarEntryHeader {
  const magic = block.toString('latin1', FIELD.magic[0], FIELD.magic[0] + 8)
  const posix = magic.startsWith('ustar\0') // GNU writes "ustar  \0" and uses the prefix area otherwise
  let name = text(block, FIELD.name)
  if (posix) {
    const prefix = text(block, FIELD.prefix)
    if (prefix) name = `${prefix}/${name}`
  }
  name = pax.get('path')?.toString('utf8') ?? longName ?? name
  const typeflag = String.fromCharCode(block[FIELD.typeflag[0]] ?? 0)
  let type = TYPES[typeflag]
  if (!type) {
    const what = typeflag === 'S' ? 'sparse file' : typeflag === 'V' || typeflag === 'M' ? 'multi-volume member' : `type ${JSON.stringify(typeflag)}`
    throw new TarFormatError(`unsupported ${what} ${JSON.stringify(name)} at byte ${offset}`)
  }
  // Pre-POSIX archives mark directories only by the trailing slash.
  if (typeflag === '\0' && name.endsWith('/')) type = 'dir'
  const num = (key: 'uid' | 'gid' | 'size' | 'mtime', f: readonly [number, number]): number => {
    const value = pax.get(key)
    return value !== undefined ? paxNumber(value, key) : parseNumeric(block, f, key)
  }
  const xattrs: Record<string, Buffer> = {}
  for (const [key, value] of pax) if (key.startsWith('SCHILY.xattr.')) xattrs[key.slice('SCHILY.xattr.'.length)] = value
  const header: TarEntryHeader = {
    name,
    type,
    typeflag,
    offset,
    mode: parseNumeric(block, FIELD.mode, 'mode') & 0o7777,
    uid: num('uid', FIELD.uid),
    gid: num('gid', FIELD.gid),
    // Only regular files carry data. Go's archive/tar (so Docker) treats every other type as
    // header-only whatever its size field says, and so must we, or the two would disagree about
    // where the next member starts.
    size: type === 'file' ? num('size', FIELD.size) : 0,
    mtime: num('mtime', FIELD.mtime),
    xattrs,
  }
  if (type === 'hardlink' || type === 'symlink') header.linkname = pax.get('linkpath')?.toString('utf8') ?? longLink ?? text(block, FIELD.linkname)
  const uname = pax.get('uname')?.toString('utf8') ?? (posix || magic.startsWith('ustar ') ? text(block, FIELD.uname) : '')
  const gname = pax.get('gname')?.toString('utf8') ?? (posix || magic.startsWith('ustar ') ? text(block, FIELD.gname) : '')
  if (uname) header.uname = uname
  if (gname) header.gname = gname
  if (type === 'char' || type === 'block') {
    header.devmajor = parseNumeric(block, FIELD.devmajor, 'devmajor')
    header.devminor = parseNumeric(block, FIELD.devminor, 'devminor')
  }
  if (header.size < 0) throw new TarFormatError(`negative size for ${JSON.stringify(name)}`)
  return header
}

/** Compression a layer blob may use, told by its first bytes (as containerd and moby sniff). */
export type LayerCompression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'

export function sniffCompression(head: Uint8Array): LayerCompression {
  const at = (i: number): number => head[i] ?? -1
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip'
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd'
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2'
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a && at(5) === 0x00) return 'xz'
  return 'none'
}

/**
 * The uncompressed tar bytes of a layer blob, whatever it was stored as (gzip or plain; others
 * are refused with their name, since Node 20 has no zstd/xz/bzip2 decoder).
 */
export async function decompressedLayer(source: ByteSource): Promise<AsyncIterable<Buffer>> {
  const iterator = asyncIterator(source)
  const headChunks: Buffer[] = []
  let headLength = 0
  let done = false
  while (headLength < 6 && !done) {
    const next = await iterator.next()
    if (next.done) done = true
    else {
      headChunks.push(Buffer.from(next.value))
      headLength += next.value.length
    }
  }
  const head = Buffer.concat(headChunks)
  const replay = (async function* () {
    if (head.length > 0) yield head
    if (done) return
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length)
    }
  })()
  const compression = sniffCompression(head)
  if (compression === 'none') return replay
  if (compression !== 'gzip') {
    // Nobody will read the rest: close the source (an open blob file, a response) now.
    if (!done) await iterator.return?.()
    throw new TarFormatError(`${compression}-compressed layers are not supported (only gzip and uncompressed)`)
  }
  // Big output chunks: a layer of many small members is mostly headers, read per chunk.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 })
  // pipeline (not pipe) so that a reader stopping early also closes the source; its error, if
  // any, already reached the consumer through gunzip.
  pipeline(Readable.from(replay), gunzip, () => undefined)
  return gunzip
}

/** Members of a layer blob, gzipped or not. */
export async function* readLayer(source: ByteSource, options: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  yield* readTar(await decompressedLayer(source), options)
}
