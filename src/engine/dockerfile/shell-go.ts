/**
 * Small pieces of Go's standard library that BuildKit's shell lexer (`frontend/dockerfile/shell`)
 * relies on, reproduced so the TypeScript lexer behaves the same: `text/scanner`'s rune reading
 * (including its leading-BOM skip), the `unicode` classes it tests, and `strconv.Quote` (used in
 * its error messages). Everything works on Unicode code points, the way Go works on runes.
 */

/** `scanner.EOF`. */
export const EOF = -1

const LETTER = /^\p{L}$/u
const DIGIT = /^\p{Nd}$/u
const SPACE = /^\p{White_Space}$/u
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** Go `unicode.IsLetter` (category L). */
export function isLetter(cp: number): boolean {
  return cp >= 0 && LETTER.test(String.fromCodePoint(cp))
}

/** Go `unicode.IsDigit` (category Nd). */
export function isDigit(cp: number): boolean {
  if (cp >= 0x30 && cp <= 0x39) return true
  return cp > 0xff && DIGIT.test(String.fromCodePoint(cp))
}

/** Go `unicode.IsSpace`: the White_Space property (`\t \n \v \f \r`, space, U+0085, U+00A0, …). */
export function isSpace(cp: number): boolean {
  return cp >= 0 && SPACE.test(String.fromCodePoint(cp))
}

/** Go `string(r)`: a negative (EOF) or otherwise invalid rune becomes U+FFFD. */
export function runeString(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD'
  return String.fromCodePoint(cp)
}

/** The code points of a string (Go `[]rune(s)`). */
export function codePoints(s: string): number[] {
  const out: number[] = []
  for (const ch of s) out.push(ch.codePointAt(0) ?? 0)
  return out
}

export function fromCodePoints(cps: readonly number[], start = 0, end = cps.length): string {
  let s = ''
  for (let i = start; i < end; i++) s += String.fromCodePoint(cps[i] ?? 0)
  return s
}

/**
 * Go `text/scanner.Scanner` as used by the lexer: only `Peek` and `Next`. Like Go, a byte order
 * mark (U+FEFF) as the very first character is skipped.
 */
export class RuneScanner {
  private readonly cps: number[]
  private pos = 0

  constructor(src: string) {
    this.cps = codePoints(src)
    if (this.cps[0] === 0xfeff) this.pos = 1
  }

  peek(): number {
    return this.cps[this.pos] ?? EOF
  }

  next(): number {
    const ch = this.peek()
    if (ch !== EOF) this.pos++
    return ch
  }
}

const HEX = '0123456789abcdef'

function hex(n: number, digits: number): string {
  let s = ''
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += HEX[(n >> shift) & 0xf]
  return s
}

/** Go `strconv.Quote` (`%q`), for strings that came from valid UTF-8. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    let cp = ch.codePointAt(0) ?? 0
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch
      continue
    }
    if (PRINTABLE.test(ch)) {
      out += ch
      continue
    }
    switch (ch) {
      case '\x07': out += '\\a'; continue
      case '\b': out += '\\b'; continue
      case '\f': out += '\\f'; continue
      case '\n': out += '\\n'; continue
      case '\r': out += '\\r'; continue
      case '\t': out += '\\t'; continue
      case '\v': out += '\\v'; continue
    }
    if (cp < 0x20 || cp === 0x7f) {
      out += '\\x' + hex(cp, 2)
      continue
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd // a lone surrogate is no valid rune
    out += cp < 0x10000 ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8)
  }
  return out + '"'
}
