// Translates the RE2 (Go regexp) source that moby/patternmatcher builds into an equivalent
// JavaScript RegExp. The two dialects agree on what patternmatcher normally emits (`[^/]*`,
// `(.*/)?`, escaped literals), but not on the corners a .dockerignore can reach: `\d` in a
// pattern is a digit class in RE2, `[[:alpha:]]` is a POSIX class, a lone `]` is a literal, `.`
// excludes only '\n'. Everything is re-emitted explicitly (literals as \u{...}) under the `u`
// flag so that code points, not UTF-16 units, are matched, as Go does. Unsupported or invalid
// RE2 syntax throws, which the caller reports as Go's ErrBadPattern.

export class GoRegexpSyntaxError extends Error {
  constructor(detail: string) {
    super(`error parsing regexp: ${detail}`)
    this.name = 'GoRegexpSyntaxError'
  }
}

const lit = (cp: number) => `\\u{${cp.toString(16)}}`

// RE2 Perl classes are ASCII-only (JavaScript's \s and, under `u`, \w differ).
const PERL: Record<string, string> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 }

class Reader {
  i = 0
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.i >= this.s.length
  }
  peek(): number {
    return this.s.codePointAt(this.i) ?? -1
  }
  next(): number {
    const cp = this.s.codePointAt(this.i)
    if (cp === undefined) throw new GoRegexpSyntaxError('unexpected end')
    this.i += cp > 0xffff ? 2 : 1
    return cp
  }
}

const isAlnum = (cp: number) =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)

/** \p / \P: one-letter or {Name} Unicode classes, mapped onto JavaScript property escapes. */
function unicodeClass(r: Reader, negated: boolean): string {
  let name: string
  if (r.peek() === 0x7b) {
    r.next()
    const close = r.s.indexOf('}', r.i)
    if (close < 0) throw new GoRegexpSyntaxError('invalid character class range')
    name = r.s.slice(r.i, close)
    r.i = close + 1
  } else {
    name = String.fromCodePoint(r.next())
  }
  if (name.startsWith('^')) {
    negated = !negated
    name = name.slice(1)
  }
  const p = negated ? 'P' : 'p'
  for (const candidate of [`\\${p}{${name}}`, `\\${p}{Script=${name}}`]) {
    try {
      new RegExp(candidate, 'u')
      return candidate
    } catch {
      // try the next spelling
    }
  }
  throw new GoRegexpSyntaxError(`invalid character class range: \\p{${name}}`)
}

/** An escape after '\\'. Returns a JS fragment and whether it is a single character `cp`. */
function escape(r: Reader, inClass: boolean): { js: string; cp?: number } {
  const c = r.next()
  if (c < 0x80 && !isAlnum(c)) return { js: lit(c), cp: c }
  const ch = String.fromCodePoint(c)
  const simple = SIMPLE_ESCAPES[ch]
  if (simple !== undefined) return { js: lit(simple), cp: simple }
  const lower = ch.toLowerCase()
  const perl = PERL[lower]
  if (perl !== undefined) {
    const neg = ch !== lower
    return { js: inClass && !neg ? perl : `[${neg ? '^' : ''}${perl}]` }
  }
  if (ch === 'p' || ch === 'P') return { js: unicodeClass(r, ch === 'P') }
  if (ch === 'x') {
    let hex: string
    if (r.peek() === 0x7b) {
      const close = r.s.indexOf('}', r.i)
      if (close < 0) throw new GoRegexpSyntaxError('invalid escape sequence')
      hex = r.s.slice(r.i + 1, close)
      r.i = close + 1
    } else {
      hex = r.s.slice(r.i, r.i + 2)
      r.i += 2
    }
    if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new GoRegexpSyntaxError('invalid escape sequence')
    const cp = Number.parseInt(hex, 16)
    if (cp > 0x10ffff) throw new GoRegexpSyntaxError('invalid escape sequence')
    return { js: lit(cp), cp }
  }
  if (c >= 0x30 && c <= 0x37) {
    // Octal; a lone non-zero digit would be a backreference, which RE2 rejects.
    let digits = ch
    while (digits.length < 3 && r.peek() >= 0x30 && r.peek() <= 0x37) digits += String.fromCodePoint(r.next())
    if (digits.length === 1 && digits !== '0') throw new GoRegexpSyntaxError('invalid escape sequence')
    const cp = Number.parseInt(digits, 8)
    return { js: lit(cp), cp }
  }
  if (!inClass) {
    if (ch === 'b') return { js: '\\b' }
    if (ch === 'B') return { js: '\\B' }
    if (ch === 'A') return { js: '^' }
    if (ch === 'z') return { js: '$' }
  }
  throw new GoRegexpSyntaxError(`invalid escape sequence: \\${ch}`)
}

/** A bracket class; the reader is just past '['. */
function bracketClass(r: Reader): string {
  let negated = false
  if (r.peek() === 0x5e) {
    r.next()
    negated = true
  }
  const items: string[] = []
  let first = true
  for (;;) {
    if (r.done) throw new GoRegexpSyntaxError('missing closing ]')
    if (r.peek() === 0x5d && !first) {
      r.next()
      break
    }
    first = false
    if (r.s.startsWith('[:', r.i)) {
      // `[:name:]` is a POSIX class (unknown names are errors); `[:` without `:]` is literal.
      const close = r.s.indexOf(':]', r.i + 2)
      if (close >= 0) {
        let name = r.s.slice(r.i + 2, close)
        const neg = name.startsWith('^')
        if (neg) name = name.slice(1)
        const posix = POSIX[name]
        if (posix === undefined) throw new GoRegexpSyntaxError(`invalid character class range: [:${name}:]`)
        r.i = close + 2
        items.push(neg ? `[^${posix}]` : posix)
        continue
      }
    }
    let lo: number
    if (r.peek() === 0x5c) {
      r.next()
      const e = escape(r, true)
      if (e.cp === undefined) {
        items.push(e.js)
        continue
      }
      lo = e.cp
    } else {
      lo = r.next()
    }
    let hi = lo
    // `a-` followed by ']' means the two characters 'a' and '-'.
    if (r.peek() === 0x2d && r.s[r.i + 1] !== ']' && r.i + 1 < r.s.length) {
      r.next()
      if (r.peek() === 0x5c) {
        r.next()
        const e = escape(r, true)
        if (e.cp === undefined) throw new GoRegexpSyntaxError('invalid character class range')
        hi = e.cp
      } else {
        hi = r.next()
      }
      if (hi < lo) throw new GoRegexpSyntaxError('invalid character class range')
    }
    items.push(hi === lo ? lit(lo) : `${lit(lo)}-${lit(hi)}`)
  }
  // Nested classes are not valid JS (without `v`), so unions become alternations.
  const simple = items.filter((x) => !x.startsWith('['))
  const nested = items.filter((x) => x.startsWith('['))
  if (nested.length === 0) return `[${negated ? '^' : ''}${simple.join('')}]`
  const union = [simple.length > 0 ? `[${simple.join('')}]` : '', ...nested].filter((x) => x !== '')
  const alt = `(?:${union.join('|')})`
  return negated ? `(?:(?!${alt})[^])` : alt
}

/** Converts RE2 source (as produced by patternmatcher) into a JavaScript RegExp. */
export function goRegexpToJs(source: string): RegExp {
  const r = new Reader(source)
  let out = ''
  let depth = 0
  let canRepeat = false
  while (!r.done) {
    const c = r.next()
    switch (c) {
      case 0x5e: // ^ : beginning of text (neither dialect is in multi-line mode here)
        out += '^'
        canRepeat = false
        break
      case 0x24: // $ : end of text
        out += '$'
        canRepeat = false
        break
      case 0x2e: // . : any character but newline
        out += '[^\\n]'
        canRepeat = true
        break
      case 0x28:
        if (r.peek() === 0x3f) throw new GoRegexpSyntaxError('unsupported group flags')
        out += '('
        depth++
        canRepeat = false
        break
      case 0x29:
        if (depth === 0) throw new GoRegexpSyntaxError('unexpected )')
        out += ')'
        depth--
        canRepeat = true
        break
      case 0x7c:
        out += '|'
        canRepeat = false
        break
      case 0x2a:
      case 0x2b:
      case 0x3f: {
        if (!canRepeat) throw new GoRegexpSyntaxError('missing argument to repetition operator')
        out += String.fromCodePoint(c)
        // A following '?' makes it non-greedy; a second repetition is an RE2 error.
        if (r.peek() === 0x3f) out += String.fromCodePoint(r.next())
        canRepeat = false
        if (r.peek() === 0x2a || r.peek() === 0x2b || r.peek() === 0x3f) {
          throw new GoRegexpSyntaxError('invalid nested repetition operator')
        }
        break
      }
      case 0x5b:
        out += bracketClass(r)
        canRepeat = true
        break
      case 0x5c:
        out += escape(r, false).js
        canRepeat = true
        break
      default:
        out += lit(c)
        canRepeat = true
    }
  }
  if (depth !== 0) throw new GoRegexpSyntaxError('missing closing )')
  return new RegExp(out, 'u')
}
