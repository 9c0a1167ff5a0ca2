// The JSON array check of BuildKit's parseJSON, with Go's encoding/json semantics:
// json.Unmarshal into []interface{} (the whole text must be one value, JSON whitespace after
// it is fine), a number that overflows float64 is an unmarshal error (so the line falls back
// to shell form), lone surrogate escapes decode to U+FFFD, and nesting deeper than 10000 is a
// syntax error. JSON.parse differs on several of these, hence a small scanner of our own.
// Iterative on purpose: a hostile `[[[[…` must not blow the JS stack.

export interface JsonElement {
  readonly value: string
  /** Offsets of the element's token in the scanned text (quotes included). */
  readonly start: number
  readonly end: number
}

export type JsonArrayResult =
  | { readonly kind: 'strings'; readonly elements: readonly JsonElement[] }
  /** Valid JSON, but some element is not a string: BuildKit makes this a hard error. */
  | { readonly kind: 'not-strings' }
  /** Not JSON (or not decodable): BuildKit quietly treats the text as shell form. */
  | { readonly kind: 'invalid' }

const MAX_DEPTH = 10000

class JsonSyntaxError extends Error {}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  return -1
}

class Scanner {
  pos = 0
  /** Set when a number literal overflows float64 (Go's UnmarshalTypeError). */
  overflow = false

  constructor(private readonly text: string) {}

  private code(at = this.pos): number {
    return at < this.text.length ? this.text.charCodeAt(at) : -1
  }

  skipSpace(): void {
    while (isJsonSpace(this.code())) this.pos++
  }

  expect(c: number): void {
    if (this.code() !== c) throw new JsonSyntaxError()
    this.pos++
  }

  peek(): number {
    return this.code()
  }

  /** A string literal, decoded; the opening quote is at `pos`. */
  string(): string {
    this.expect(0x22)
    let out = ''
    let chunk = this.pos
    for (;;) {
      const c = this.code()
      if (c === -1 || c < 0x20) throw new JsonSyntaxError()
      if (c === 0x22) {
        out += this.text.slice(chunk, this.pos)
        this.pos++
        return out
      }
      if (c !== 0x5c) {
        this.pos++
        continue
      }
      out += this.text.slice(chunk, this.pos)
      const e = this.code(this.pos + 1)
      this.pos += 2
      switch (e) {
        case 0x22: out += '"'; break
        case 0x5c: out += '\\'; break
        case 0x2f: out += '/'; break
        case 0x62: out += '\b'; break
        case 0x66: out += '\f'; break
        case 0x6e: out += '\n'; break
        case 0x72: out += '\r'; break
        case 0x74: out += '\t'; break
        case 0x75: out += this.unicodeEscape(); break
        default: throw new JsonSyntaxError()
      }
      chunk = this.pos
    }
  }

  private hex4(at: number): number {
    let v = 0
    for (let k = 0; k < 4; k++) {
      const h = hexValue(this.code(at + k))
      if (h < 0) return -1
      v = v * 16 + h
    }
    return v
  }

  /** After `\u`: Go pairs surrogates when it can and replaces a lone one with U+FFFD. */
  private unicodeEscape(): string {
    const first = this.hex4(this.pos)
    if (first < 0) throw new JsonSyntaxError()
    this.pos += 4
    if (first < 0xd800 || first > 0xdfff) return String.fromCharCode(first)
    if (first <= 0xdbff && this.code() === 0x5c && this.code(this.pos + 1) === 0x75) {
      const second = this.hex4(this.pos + 2)
      if (second >= 0xdc00 && second <= 0xdfff) {
        this.pos += 6
        return String.fromCharCode(first, second)
      }
    }
    return '\uFFFD'
  }

  number(): void {
    const begin = this.pos
    if (this.code() === 0x2d) this.pos++
    if (this.code() === 0x30) this.pos++
    else if (isDigit(this.code())) while (isDigit(this.code())) this.pos++
    else throw new JsonSyntaxError()
    if (this.code() === 0x2e) {
      this.pos++
      if (!isDigit(this.code())) throw new JsonSyntaxError()
      while (isDigit(this.code())) this.pos++
    }
    if (this.code() === 0x65 || this.code() === 0x45) {
      this.pos++
      if (this.code() === 0x2b || this.code() === 0x2d) this.pos++
      if (!isDigit(this.code())) throw new JsonSyntaxError()
      while (isDigit(this.code())) this.pos++
    }
    if (!Number.isFinite(Number(this.text.slice(begin, this.pos)))) this.overflow = true
  }

  literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError()
    this.pos += word.length
  }

  /** Skips one complete value of any type, without recursion. */
  skipValue(depth: number): void {
    const closers: number[] = []
    for (;;) {
      // Expecting a value.
      this.skipSpace()
      const c = this.peek()
      if (c === 0x7b || c === 0x5b) {
        this.pos++
        const closer = c === 0x7b ? 0x7d : 0x5d
        closers.push(closer)
        if (depth + closers.length > MAX_DEPTH) throw new JsonSyntaxError()
        this.skipSpace()
        if (this.peek() !== closer) {
          if (closer === 0x7d) this.objectKey()
          continue
        }
        this.pos++
        closers.pop()
      } else {
        this.scalar()
      }
      // A value just ended: close containers until one continues with a comma.
      for (;;) {
        const closer = closers[closers.length - 1]
        if (closer === undefined) return
        this.skipSpace()
        if (this.peek() === closer) {
          this.pos++
          closers.pop()
          continue
        }
        this.expect(0x2c)
        if (closer === 0x7d) {
          this.skipSpace()
          this.objectKey()
        }
        break
      }
    }
  }

  private objectKey(): void {
    this.string()
    this.skipSpace()
    this.expect(0x3a)
  }

  private scalar(): void {
    const c = this.peek()
    if (c === 0x22) this.string()
    else if (c === 0x2d || isDigit(c)) this.number()
    else if (c === 0x74) this.literal('true')
    else if (c === 0x66) this.literal('false')
    else if (c === 0x6e) this.literal('null')
    else throw new JsonSyntaxError()
  }
}

/** Parses `text` (which starts with `[`) as BuildKit's parseJSON would. */
export function decodeJsonStringArray(text: string): JsonArrayResult {
  const scanner = new Scanner(text)
  const elements: JsonElement[] = []
  let allStrings = true
  try {
    scanner.expect(0x5b)
    scanner.skipSpace()
    if (scanner.peek() === 0x5d) scanner.pos++
    else {
      for (;;) {
        scanner.skipSpace()
        const start = scanner.pos
        if (scanner.peek() === 0x22) {
          const value = scanner.string()
          elements.push({ value, start, end: scanner.pos })
        } else {
          allStrings = false
          scanner.skipValue(1)
        }
        scanner.skipSpace()
        if (scanner.peek() === 0x5d) {
          scanner.pos++
          break
        }
        scanner.expect(0x2c)
      }
    }
    scanner.skipSpace()
    if (scanner.pos !== text.length) throw new JsonSyntaxError()
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { kind: 'invalid' }
    throw e
  }
  if (scanner.overflow) return { kind: 'invalid' }
  return allStrings ? { kind: 'strings', elements } : { kind: 'not-strings' }
}
