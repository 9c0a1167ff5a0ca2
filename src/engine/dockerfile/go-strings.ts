// String helpers that reproduce the Go standard-library behaviour BuildKit's parser relies on.
// JavaScript's own versions differ in small ways (`\s` includes U+FEFF but not U+0085,
// `toLowerCase` is context-sensitive, JSON.stringify escapes differently), and those small
// ways show up in the `result` dump and in where words split.

/** Go's unicode.IsSpace for one UTF-16 code unit (every Go space is in the BMP). */
export function isGoSpace(code: number): boolean {
  if (code <= 0xff) {
    return (
      code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0
    )
  }
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  )
}

/** Go's unicode.IsSpace(rune(b)) applied to a single byte, as BuildKit does in byte loops. */
export function isGoSpaceByte(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0x85 || b === 0xa0
}

/** Offset of the first character that is not a Go space. */
export function leadingSpaceLength(s: string): number {
  let i = 0
  while (i < s.length && isGoSpace(s.charCodeAt(i))) i++
  return i
}

/** strings.TrimSpace, also returning where the trimmed text starts in `s`. */
export function goTrimSpace(s: string): { text: string; start: number } {
  const start = leadingSpaceLength(s)
  let end = s.length
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--
  return { text: s.slice(start, end), start }
}

/** bytes.TrimRight(line, "\r\n"): BuildKit strips every trailing CR and LF, not just one. */
export function trimNewline(s: string): string {
  let end = s.length
  while (end > 0) {
    const c = s.charCodeAt(end - 1)
    if (c !== 0x0d && c !== 0x0a) break
    end--
  }
  return end === s.length ? s : s.slice(0, end)
}

/** Go's `[\t\v\f\r ]+` class, BuildKit's reWhitespace / tokenWhitespace. */
export function isAsciiBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || code === 0x0d
}

export interface Piece {
  readonly text: string
  /** Offset of `text` in the string that was split. */
  readonly start: number
}

/** regexp.MustCompile(`[\t\v\f\r ]+`).Split(s, n) with Go's exact edge cases. */
export function splitOnAsciiBlanks(s: string, n: number): Piece[] {
  if (s.length === 0) return [{ text: '', start: 0 }]
  const pieces: Piece[] = []
  let beg = 0
  let end = 0
  let i = 0
  let found = 0
  while (i < s.length) {
    if (!isAsciiBlank(s.charCodeAt(i))) {
      i++
      continue
    }
    let j = i
    while (j < s.length && isAsciiBlank(s.charCodeAt(j))) j++
    // FindAllStringIndex(s, n) yields at most n matches; Split stops after n-1 pieces.
    if (n > 0 && (found === n || pieces.length === n - 1)) break
    found++
    end = i
    if (j !== 0) pieces.push({ text: s.slice(beg, end), start: beg })
    beg = j
    i = j
  }
  if (end !== s.length) pieces.push({ text: s.slice(beg), start: beg })
  return pieces
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

/** strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrint(codePoint: number): boolean {
  if (codePoint < 0x80) return codePoint >= 0x20 && codePoint < 0x7f
  return PRINTABLE.test(String.fromCodePoint(codePoint))
}

/** strconv's backslash escapes for control characters. */
export const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
])

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0')
}

/** strconv.Quote, byte for byte (lower-case hex, `\xNN` below U+0020, `\uNNNN` otherwise). */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    let cp = ch.codePointAt(0) ?? 0
    // A lone surrogate cannot come out of UTF-8; treat it the way an encoder would.
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd
    if (cp === 0x22) out += '\\"'
    else if (cp === 0x5c) out += '\\\\'
    else if (isGoPrint(cp)) out += String.fromCodePoint(cp)
    else {
      const short = SHORT_ESCAPES.get(cp)
      if (short !== undefined) out += short
      else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2)
      else if (cp < 0x10000) out += '\\u' + hex(cp, 4)
      else out += '\\U' + hex(cp, 8)
    }
  }
  return out + '"'
}

function mapRunes(s: string, map: (ch: string) => string): string {
  let out = ''
  for (const ch of s) {
    const mapped = map(ch)
    // Go maps rune by rune; JS may expand one character into two (İ → i̇). Keep it one rune.
    out += [...mapped].length === 1 ? mapped : ch === '\u0130' ? 'i' : ch
  }
  return out
}

/** strings.ToLower: per-rune, without JavaScript's context rules (final sigma). */
export function goToLower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapRunes(s, (ch) => ch.toLowerCase())
}

/** strings.ToUpper: per-rune. */
export function goToUpper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapRunes(s, (ch) => ch.toUpperCase())
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** Length of `s` in UTF-8 bytes (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/**
 * A string seen as UTF-8 bytes, for the few BuildKit loops that index a Go string byte by
 * byte (flag extraction, HEALTHCHECK's type word). Offsets map back to the JS string.
 */
export class Utf8View {
  readonly bytes: number[] = []
  /** For each byte, the offset in the JS string of the character it belongs to. */
  private readonly owner: number[] = []
  /** For each byte, whether it starts its character. */
  private readonly leads: boolean[] = []

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) ?? 0
      const width = cp > 0xffff ? 2 : 1
      const encoded = encodeCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp)
      encoded.forEach((b, k) => {
        this.bytes.push(b)
        this.owner.push(i)
        this.leads.push(k === 0)
      })
      i += width
    }
  }

  get length(): number {
    return this.bytes.length
  }

  /** JS offset of byte `pos`; a byte inside a character maps to the character's end. */
  offsetOf(pos: number): number {
    if (pos >= this.bytes.length) return this.text.length
    const owner = this.owner[pos] ?? this.text.length
    if (this.leads[pos]) return owner
    const cp = this.text.codePointAt(owner) ?? 0
    return owner + (cp > 0xffff ? 2 : 1)
  }

  /** The text of bytes [from, to); a character cut in two becomes U+FFFD, as a decoder would. */
  slice(from: number, to: number = this.bytes.length): string {
    let prefix = ''
    let start = from
    while (start < to && !this.leads[start]) {
      prefix += '\uFFFD' // orphan continuation byte
      start++
    }
    if (start >= to) return prefix
    let end = to
    let suffix = ''
    if (end < this.bytes.length && !this.leads[end]) {
      // `to` falls inside a character: its leading bytes are a truncated sequence.
      while (end > start && !this.leads[end]) end--
      suffix = '\uFFFD'
    }
    return prefix + this.text.slice(this.offsetOf(start), this.offsetOf(end)) + suffix
  }
}

function encodeCodePoint(cp: number): number[] {
  if (cp < 0x80) return [cp]
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
  return [
    0xf0 | (cp >> 18),
    0x80 | ((cp >> 12) & 0x3f),
    0x80 | ((cp >> 6) & 0x3f),
    0x80 | (cp & 0x3f),
  ]
}
