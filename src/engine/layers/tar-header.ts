/**
 * POSIX tar header blocks (ustar, plus PAX extended headers where ustar cannot hold a value),
 * encoded by hand: tar-stream clamps ids to six octal digits, and a layer's bytes are its
 * identity, so every byte here is chosen deliberately and covered by tests.
 */

export const BLOCK_SIZE = 512

export const TYPEFLAG = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
  paxExtended: 'x',
  paxGlobal: 'g',
  gnuLongName: 'L',
  gnuLongLink: 'K',
} as const

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo'

/** Everything a header block can say about one archive member. */
export interface TarHeader {
  /** Name as stored: relative, directories with a trailing '/'. */
  name: string
  type: EntryType
  /** Permission and setuid/setgid/sticky bits (07777). */
  mode: number
  uid: number
  gid: number
  size: number
  /** Whole seconds since the epoch. */
  mtime: number
  linkname?: string
  uname?: string
  gname?: string
  devmajor?: number
  devminor?: number
  /** Extended attributes, written as PAX `SCHILY.xattr.<name>` records. */
  xattrs?: Readonly<Record<string, Uint8Array>>
}

// Field offsets and widths of the ustar header (POSIX.1-1988 as amended by POSIX.1-2001).
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>

/** Largest value an octal field of `width` bytes holds with its terminating NUL. */
export function octalLimit(width: number): number {
  return 8 ** (width - 1) - 1
}

const MAX_ID = octalLimit(8) // 2097151: beyond it, PAX uid/gid records
const MAX_SIZE = octalLimit(12) // 8 GiB - 1

export class TarHeaderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarHeaderError'
  }
}

const isAscii = (s: string): boolean => !/[\u0080-\uffff]/.test(s)
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * Split a long ASCII name into ustar prefix (≤155) and name (≤100) at a '/'. The split slash is
 * dropped; readers join with '/'. Returns undefined when no split works.
 */
export function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  if (name.length <= 100) return { prefix: '', name }
  // The first usable slash is the one that leaves the longest prefix that still fits.
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] !== '/') continue
    const rest = name.slice(i + 1)
    if (rest.length === 0 || rest.length > 100) return undefined
    return { prefix: name.slice(0, i), name: rest }
  }
  return undefined
}

/**
 * One PAX record: `"<len> <key>=<value>\n"` where <len> counts the whole record including its own
 * digits, so adding a digit to the length can push it over the next power of ten.
 */
export function paxRecord(key: string, value: Uint8Array | string): Buffer {
  const valueBytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)
  const base = byteLength(key) + valueBytes.length + 3 // ' ', '=', '\n'
  let length = base + String(base).length
  if (String(length).length > String(base).length) length = base + String(length).length
  return Buffer.concat([Buffer.from(`${length} ${key}=`, 'utf8'), valueBytes, Buffer.from('\n')])
}

/** Records sorted by key (as Go's archive/tar does) so the same header gives the same bytes. */
export function encodePaxRecords(records: ReadonlyMap<string, Uint8Array | string>): Buffer {
  const keys = [...records.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return Buffer.concat(keys.map((key) => paxRecord(key, records.get(key) ?? '')))
}

/** Parse PAX records into key → raw value bytes; malformed input is an error, not a guess. */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  let pos = 0
  while (pos < data.length) {
    if (data[pos] === 0) break // some writers pad the record block with NULs
    const space = data.indexOf(0x20, pos)
    const lengthText = space > pos ? data.toString('latin1', pos, space) : ''
    const length = /^[0-9]+$/.test(lengthText) ? Number(lengthText) : NaN
    if (!Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > data.length) {
      throw new TarHeaderError(`malformed PAX record at byte ${pos}`)
    }
    const record = data.subarray(space + 1, pos + length)
    const eq = record.indexOf(0x3d)
    if (eq <= 0 || record[record.length - 1] !== 0x0a) throw new TarHeaderError(`malformed PAX record at byte ${pos}`)
    out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1, record.length - 1)))
    pos += length
  }
  return out
}

function writeString(block: Buffer, [offset, width]: readonly [number, number], value: string): void {
  // Truncation only happens for fallback names whose real value travels in a PAX record.
  block.write(value, offset, width, 'utf8')
}

function writeOctal(block: Buffer, [offset, width]: readonly [number, number], value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0')
  if (digits.length > width - 1) throw new TarHeaderError(`value ${value} does not fit a ${width}-byte field`)
  block.write(digits, offset, width - 1, 'ascii')
  block[offset + width - 1] = 0
}

/** Sum of header bytes with the checksum field counted as eight spaces. */
export function headerChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20
  const [start, width] = FIELD.checksum
  for (let i = 0; i < start; i++) sum += block[i] ?? 0
  for (let i = start + width; i < BLOCK_SIZE; i++) sum += block[i] ?? 0
  return sum
}

/** The ASCII stand-in for a name that travels in PAX: non-ASCII dropped, cut to the field. */
function asciiFallback(name: string, width: number): string {
  return name.replace(/[^\x20-\x7e]/g, '').slice(0, width)
}

interface UstarFields {
  name: string
  prefix: string
  typeflag: string
  mode: number
  uid: number
  gid: number
  size: number
  mtime: number
  linkname: string
  uname: string
  gname: string
  devmajor: number
  devminor: number
}

export function encodeUstarBlock(f: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE)
  writeString(block, FIELD.name, f.name)
  writeOctal(block, FIELD.mode, f.mode)
  writeOctal(block, FIELD.uid, f.uid)
  writeOctal(block, FIELD.gid, f.gid)
  writeOctal(block, FIELD.size, f.size)
  writeOctal(block, FIELD.mtime, f.mtime)
  block.write(f.typeflag, FIELD.typeflag[0], 1, 'ascii')
  writeString(block, FIELD.linkname, f.linkname)
  block.write('ustar\x0000', FIELD.magic[0], 8, 'ascii')
  writeString(block, FIELD.uname, f.uname)
  writeString(block, FIELD.gname, f.gname)
  writeOctal(block, FIELD.devmajor, f.devmajor)
  writeOctal(block, FIELD.devminor, f.devminor)
  writeString(block, FIELD.prefix, f.prefix)
  // "%06o\0 ": six digits, NUL, space — what GNU tar and Go write.
  block.write(`${headerChecksum(block).toString(8).padStart(6, '0')}\x00 `, FIELD.checksum[0], 8, 'ascii')
  return block
}

function checkInteger(what: string, value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TarHeaderError(`${name}: ${what} ${value} is not a non-negative integer`)
  }
}

/**
 * Encode one member's header: a PAX extended header (typeflag 'x' + records, padded) when some
 * value does not fit ustar, then the ustar block. Values that moved to PAX are written as 0 (or
 * an ASCII stand-in for names) in the ustar fields, as GNU tar does.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const pax = new Map<string, Uint8Array | string>()
  for (const [what, value] of [['uid', h.uid], ['gid', h.gid], ['size', h.size]] as const) checkInteger(what, value, h.name)
  if (!Number.isSafeInteger(h.mtime)) throw new TarHeaderError(`${h.name}: mtime ${h.mtime} is not whole seconds`)
  if (!Number.isInteger(h.mode) || h.mode < 0 || h.mode > 0o7777) throw new TarHeaderError(`${h.name}: mode ${h.mode} is not within 07777`)

  const split = isAscii(h.name) ? splitUstarPath(h.name) : undefined
  if (!split) pax.set('path', h.name)
  const name = split ? split.name : asciiFallback(h.name, 100)
  const prefix = split ? split.prefix : ''
  let linkname = h.linkname ?? ''
  if (!isAscii(linkname) || linkname.length > 100) {
    pax.set('linkpath', linkname)
    linkname = asciiFallback(linkname, 100)
  }
  const id = (key: 'uid' | 'gid', value: number): number => {
    if (value <= MAX_ID) return value
    pax.set(key, String(value))
    return 0
  }
  const uid = id('uid', h.uid)
  const gid = id('gid', h.gid)
  let size = h.size
  if (size > MAX_SIZE) {
    pax.set('size', String(size))
    size = 0
  }
  let mtime = h.mtime
  if (mtime < 0 || mtime > octalLimit(12)) {
    pax.set('mtime', String(mtime))
    mtime = 0
  }
  const owner = (key: 'uname' | 'gname', value: string | undefined): string => {
    if (value === undefined) return ''
    if (isAscii(value) && value.length <= 31) return value
    pax.set(key, value)
    return asciiFallback(value, 31)
  }
  const uname = owner('uname', h.uname)
  const gname = owner('gname', h.gname)
  for (const [key, value] of Object.entries(h.xattrs ?? {})) {
    if (key === '' || key.includes('=') || key.includes('\0')) throw new TarHeaderError(`${h.name}: invalid xattr name ${JSON.stringify(key)}`)
    pax.set(`SCHILY.xattr.${key}`, value)
  }
  const devmajor = h.devmajor ?? 0
  const devminor = h.devminor ?? 0
  for (const [what, value] of [['devmajor', devmajor], ['devminor', devminor]] as const) {
    checkInteger(what, value, h.name)
    if (value > MAX_ID) throw new TarHeaderError(`${h.name}: ${what} ${value} does not fit a tar header`)
  }

  const block = encodeUstarBlock({
    name, prefix, typeflag: TYPEFLAG[h.type], mode: h.mode, uid, gid, size, mtime, linkname, uname, gname, devmajor, devminor,
  })
  if (pax.size === 0) return block
  const records = encodePaxRecords(pax)
  // Named like Go's archive/tar: <dir>/PaxHeaders.0/<base>. Readers that do not know PAX extract
  // it as a small text file, which is why the name stays inside the entry's own directory.
  const trimmed = h.name.replace(/\/$/, '')
  const slash = trimmed.lastIndexOf('/')
  const paxName = `${trimmed.slice(0, slash + 1)}PaxHeaders.0/${trimmed.slice(slash + 1)}`
  const paxBlock = encodeUstarBlock({
    name: asciiFallback(paxName, 100), prefix: '', typeflag: TYPEFLAG.paxExtended, mode: 0o644, uid: 0, gid: 0,
    size: records.length, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0,
  })
  return Buffer.concat([paxBlock, records, Buffer.alloc(paddingFor(records.length)), block])
}

/** Zero bytes needed after `size` bytes of member data to reach the next block boundary. */
export function paddingFor(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE
}
