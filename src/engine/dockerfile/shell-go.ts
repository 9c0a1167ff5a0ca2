/**
 * Small pieces of Go's standard library that BuildKit's shell lexer (`frontend/dockerfile/shell`)
 * relies on, reproduced so the TypeScript lexer behaves the same: `text/scanner`'s rune reading
 * (including its leading-BOM skip), and the `unicode` classes it tests
 * (`strconv.Quote` lives in go-strings.ts). Everything works on Unicode code points, the way Go works on runes.
 */

/** `scanner.EOF`. */
export const EOF = -1

const LETTER = /^\p{L}$/u
const DIGIT = /^\p{Nd}$/u
const SPACE = /^\p{White_Space}$/u

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
