// The Go standard-library parsers BuildKit leans on for flag values (strconv, time.ParseDuration,
// go-units RAMInBytes), with their error texts, so our messages read like BuildKit's.

import { goQuote } from '../go-strings'

/** A Go parse failure; `message` is Go's error text. */
export class GoParseError extends Error {
  override readonly name = 'GoParseError'
}

function numError(fn: string, s: string, reason: 'invalid syntax' | 'value out of range'): GoParseError {
  return new GoParseError(`strconv.${fn}: parsing ${goQuote(s)}: ${reason}`)
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

function parseDigits(fn: string, original: string, s: string, base: number, max: bigint): bigint {
  if (s === '') throw numError(fn, original, 'invalid syntax')
  let n = 0n
  for (const ch of s.toLowerCase()) {
    const d = DIGITS.indexOf(ch)
    if (d < 0 || d >= base) throw numError(fn, original, 'invalid syntax')
    n = n * BigInt(base) + BigInt(d)
    // Go reports the overflow at once, before looking at the rest.
    if (n > max) throw numError(fn, original, 'value out of range')
  }
  return n
}

/** strconv.ParseUint with an explicit base (no prefixes, no underscores, no sign). */
export function parseUint(s: string, base: number, bits: number): number {
  return Number(parseDigits('ParseUint', s, s, base, (1n << BigInt(bits)) - 1n))
}

/** strconv.ParseInt with an explicit base: optional sign, then digits. */
export function parseInt(s: string, base: number, bits: number, fn = 'ParseInt'): number {
  const neg = s.startsWith('-')
  const body = s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s
  const limit = 1n << BigInt(bits - 1)
  const magnitude = parseDigits(fn, s, body, base, neg ? limit : limit - 1n)
  return Number(neg ? -magnitude : magnitude)
}

/** strconv.Atoi (a 64-bit ParseInt); null where Go returns an error. */
export function atoi(s: string): number | null {
  try {
    return parseInt(s, 10, 64, 'Atoi')
  } catch {
    return null
  }
}

/** strconv.ParseBool. */
export function parseBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false
  return null
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1000n],
  ['\u00b5s', 1000n],
  ['\u03bcs', 1000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
])
const LIMIT = 1n << 63n

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** time.ParseDuration, in nanoseconds (a JS number: exact up to about 104 days). */
export function parseGoDuration(orig: string): number {
  const invalid = () => new GoParseError(`time: invalid duration ${goQuote(orig)}`)
  let s = orig
  let neg = false
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-')
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw invalid()
  let total = 0n
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid()
    let i = 0
    let whole = 0n
    while (isDigit(s[i])) whole = whole * 10n + BigInt(Number(s[i++]))
    if (whole >= LIMIT) throw invalid()
    const pre = i > 0
    let frac = 0n
    let scale = 1n
    let post = false
    if (s[i] === '.') {
      i++
      const start = i
      // Go stops accumulating once the fraction would overflow, but keeps consuming digits.
      for (; isDigit(s[i]); i++) {
        if (frac <= (LIMIT - 1n) / 10n) {
          frac = frac * 10n + BigInt(Number(s[i]))
          scale *= 10n
        }
      }
      post = i > start
    }
    if (!pre && !post) throw invalid()
    let j = i
    while (j < s.length && s[j] !== '.' && !isDigit(s[j])) j++
    const unitName = s.slice(i, j)
    if (unitName === '') throw new GoParseError(`time: missing unit in duration ${goQuote(orig)}`)
    const unit = UNITS.get(unitName)
    if (unit === undefined) {
      throw new GoParseError(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`)
    }
    if (whole > LIMIT / unit) throw invalid()
    let v = whole * unit
    if (frac > 0n) {
      // Go computes float64(f) * (float64(unit) / scale) and truncates.
      v += BigInt(Math.trunc(Number(frac) * (Number(unit) / Number(scale))))
      if (v > LIMIT) throw invalid()
    }
    total += v
    if (total > LIMIT) throw invalid()
    s = s.slice(j)
  }
  if (neg) return -Number(total)
  if (total > LIMIT - 1n) throw invalid()
  return Number(total)
}

const RAM_SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/
const RAM_UNITS = 'kmgtp'

/** go-units RAMInBytes: `64m`, `1.5GiB`, `100` (binary multiples); null when malformed. */
export function ramInBytes(size: string): number | null {
  const match = RAM_SIZE.exec(size)
  if (!match) return null
  const value = Number.parseFloat(match[1] ?? '')
  if (Number.isNaN(value)) return null
  const unit = match[2]?.toLowerCase()
  const power = unit === undefined ? 0 : RAM_UNITS.indexOf(unit) + 1
  return Math.trunc(value * 1024 ** power)
}
