import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BLOCK_SIZE,
  FIELD,
  encodeHeader,
  encodePaxRecords,
  headerChecksum,
  paxRecord,
  parsePaxRecords,
  splitUstarPath,
  type TarHeader,
} from './tar-header'
import { parseNumeric, readTar } from './tar-reader'

const base: TarHeader = { name: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1700000000 }

const fieldText = (block: Buffer, [offset, width]: readonly [number, number]): string => block.toString('latin1', offset, offset + width)

/** Parse PAX records out of a header sequence produced by encodeHeader (extended header first). */
function paxOf(bytes: Buffer): Map<string, Buffer> {
  expect(String.fromCharCode(bytes[FIELD.typeflag[0]] ?? 0)).toBe('x')
  const size = parseNumeric(bytes, FIELD.size, 'size')
  return parsePaxRecords(bytes.subarray(BLOCK_SIZE, BLOCK_SIZE + size))
}

async function readBack(header: Buffer): Promise<Awaited<ReturnType<typeof readTar>> extends AsyncGenerator<infer E> ? E[] : never> {
  const entries = []
  for await (const entry of readTar([Buffer.concat([header, Buffer.alloc(1024)])])) entries.push(entry)
  return entries
}

describe('ustar header block', () => {
  it('is byte-identical to what GNU tar writes for a plain ustar member', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerlab-hdr-'))
    try {
      writeFileSync(join(dir, 'hello.txt'), 'hello\n')
      chmodSync(join(dir, 'hello.txt'), 0o4755)
      utimesSync(join(dir, 'hello.txt'), 1700000000, 1700000000)
      execFileSync('tar', ['--format=ustar', '--numeric-owner', '--owner=1234', '--group=5678', '-C', dir, '-cf', join(dir, 'g.tar'), 'hello.txt'])
      const gnu = readFileSync(join(dir, 'g.tar')).subarray(0, BLOCK_SIZE)
      const ours = encodeHeader({ name: 'hello.txt', type: 'file', mode: 0o4755, uid: 1234, gid: 5678, size: 6, mtime: 1700000000 })
      expect(ours.toString('hex')).toBe(gnu.toString('hex'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes the checksum as six octal digits, NUL, space over the header with the field as spaces', () => {
    const block = encodeHeader(base)
    expect(fieldText(block, FIELD.checksum)).toMatch(/^[0-7]{6}\0 $/)
    expect(parseInt(fieldText(block, FIELD.checksum).slice(0, 6), 8)).toBe(headerChecksum(block))
    expect(fieldText(block, FIELD.magic) + fieldText(block, FIELD.version)).toBe('ustar\u000000')
    expect(fieldText(block, FIELD.mode)).toBe('0000644\0')
  })

  it('keeps ids up to 2097151 (7 octal digits) in the header and moves larger ones to PAX', () => {
    const fits = encodeHeader({ ...base, uid: 2097151, gid: 300000 })
    expect(fits.length).toBe(BLOCK_SIZE)
    expect(fieldText(fits, FIELD.uid)).toBe('7777777\0')
    expect(fieldText(fits, FIELD.gid)).toBe('1111740\0')
    const big = encodeHeader({ ...base, uid: 2097152, gid: 4294967294 })
    expect(big.length).toBe(3 * BLOCK_SIZE)
    const pax = paxOf(big)
    expect(pax.get('uid')?.toString()).toBe('2097152')
    expect(pax.get('gid')?.toString()).toBe('4294967294')
    // Like GNU tar: the ustar field says 0 when the value travels in PAX.
    expect(fieldText(big.subarray(2 * BLOCK_SIZE), FIELD.uid)).toBe('0000000\0')
  })

  it('splits long ASCII names into prefix/name and uses PAX only when that is impossible', () => {
    const dir = 'd'.repeat(120)
    const splittable = encodeHeader({ ...base, name: `${dir}/${'f'.repeat(100)}` })
    expect(splittable.length).toBe(BLOCK_SIZE)
    expect(fieldText(splittable, FIELD.prefix).replace(/\0+$/, '')).toBe(dir)
    const tooLong = `${'d'.repeat(200)}/f`
    const viaPax = encodeHeader({ ...base, name: tooLong })
    expect(paxOf(viaPax).get('path')?.toString()).toBe(tooLong)
    expect(splitUstarPath(`${'a'.repeat(150)}/`)).toBeUndefined() // the only slash leaves no name
    expect(splitUstarPath(`a/${'b'.repeat(101)}`)).toBeUndefined()
    expect(splitUstarPath(`${'a'.repeat(155)}/${'b'.repeat(100)}`)).toEqual({ prefix: 'a'.repeat(155), name: 'b'.repeat(100) })
    expect(splitUstarPath(`${'a'.repeat(156)}/${'b'.repeat(10)}`)).toBeUndefined()
  })

  it('writes non-ASCII names and link targets, long link targets, big sizes and old times in PAX', async () => {
    const header: TarHeader = { ...base, name: 'données/ファイル', type: 'symlink', linkname: `/${'l'.repeat(150)}`, mtime: -86400 }
    const bytes = encodeHeader(header)
    const pax = paxOf(bytes)
    expect(pax.get('path')?.toString()).toBe('données/ファイル')
    expect(pax.get('linkpath')?.toString()).toBe(header.linkname)
    expect(pax.get('mtime')?.toString()).toBe('-86400')
    const [entry] = await readBack(bytes)
    expect(entry?.header).toMatchObject({ name: 'données/ファイル', type: 'symlink', linkname: header.linkname, mtime: -86400 })
    const huge = encodeHeader({ ...base, size: 8 * 1024 ** 3 })
    expect(paxOf(huge).get('size')?.toString()).toBe(String(8 * 1024 ** 3))
  })

  it('writes xattrs as SCHILY.xattr records with binary values intact', async () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x0a, 0x3d, 0x00, 0xff])
    const bytes = encodeHeader({ ...base, xattrs: { 'security.capability': cap, 'user.note': Buffer.from('a=b\n') } })
    const pax = paxOf(bytes)
    expect([...pax.keys()]).toEqual(['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.note'])
    expect(pax.get('SCHILY.xattr.security.capability')).toEqual(cap)
    const [entry] = await readBack(bytes)
    expect(entry?.header.xattrs['security.capability']).toEqual(cap)
    expect(entry?.header.xattrs['user.note']?.toString()).toBe('a=b\n')
  })

  it('refuses values no header can hold', () => {
    expect(() => encodeHeader({ ...base, mode: 0o10000 })).toThrow(/mode/)
    expect(() => encodeHeader({ ...base, uid: -1 })).toThrow(/uid/)
    expect(() => encodeHeader({ ...base, mtime: 1.5 })).toThrow(/mtime/)
    expect(() => encodeHeader({ ...base, type: 'char', devmajor: 2 ** 22 })).toThrow(/devmajor/)
  })
})

describe('PAX records', () => {
  it('count their own length digits, also across a power of ten', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !k.includes('=')), fc.nat({ max: 1100 }), (key, n) => {
        const record = paxRecord(key, 'v'.repeat(n))
        const declared = Number(record.toString('latin1').split(' ')[0])
        expect(declared).toBe(record.length)
      }),
    )
    expect(paxRecord('k', 'v'.repeat(93)).toString().startsWith('99 ')).toBe(true)
    expect(paxRecord('k', 'v'.repeat(94)).toString().startsWith('101 ')).toBe(true) // 100 would make it 101
  })

  it('round-trip any keys and binary values, sorted by key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !k.includes('=')), fc.uint8Array()), (dict) => {
        const records = new Map(Object.entries(dict).map(([k, v]) => [k, Buffer.from(v)]))
        const parsed = parsePaxRecords(encodePaxRecords(records))
        expect(new Map([...parsed].map(([k, v]) => [k, [...v]]))).toEqual(new Map([...records].map(([k, v]) => [k, [...v]])))
      }),
    )
  })

  it('rejects malformed records', () => {
    expect(() => parsePaxRecords(Buffer.from('5 a=b\n'))).toThrow(/malformed/)
    expect(() => parsePaxRecords(Buffer.from('x a=b\n'))).toThrow(/malformed/)
    expect(() => parsePaxRecords(Buffer.from('7 ab\n\n\n'))).toThrow(/malformed/)
  })
})

describe('numeric fields', () => {
  it('read octal with space/NUL padding and GNU base-256', () => {
    const block = Buffer.alloc(BLOCK_SIZE)
    block.write('  1234 \0', 108, 'latin1')
    expect(parseNumeric(block, FIELD.uid, 'uid')).toBe(0o1234)
    block.fill(0, 108, 116)
    block[108] = 0x80
    block.writeUInt32BE(4294967294, 112)
    expect(parseNumeric(block, FIELD.uid, 'uid')).toBe(4294967294)
    block.write('12x4567\0', 108, 'latin1')
    expect(() => parseNumeric(block, FIELD.uid, 'uid')).toThrow(/invalid uid/)
  })
})
