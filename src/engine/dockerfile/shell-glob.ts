/**
 * The patterns of `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}` and `${v//p/r}`, as BuildKit
 * evaluates them (`convertShellPatternToRegex`, `trimPrefix`, `trimSuffix`, `reversePattern` in
 * `shell/lex.go`, plus Go's `regexp` semantics for what it builds).
 *
 * BuildKit turns the pattern into a Go regular expression: `*` is `.*` (or `.*?` for the shortest
 * forms), `?` is `.`, and everything else is literal — there are no bracket expressions, `[` is an
 * ordinary character. `\*`, `\?` and `\\` are literal; `\}` and `\/` drop the backslash; any other
 * `\x` is an error. The escape in patterns is always `\`, whatever the Dockerfile's escape token.
 * Go's `.` does not match `\n`, so neither `*` nor `?` do here.
 *
 * Instead of building a JS RegExp (whose `.` and backtracking differ), patterns are matched by a
 * memoised search that explores the alternatives in the same priority order as Go's leftmost-first
 * engine, so the chosen match is identical and the cost stays polynomial.
 */
import { ShellLexFailure } from './shell-errors'
import { EOF, RuneScanner, codePoints, fromCodePoints, isDigit, isLetter, runeString } from './shell-go'

const LIT = 0
const ANY = 1
const STAR = 2
type PatternToken = { kind: typeof LIT; cp: number } | { kind: typeof ANY } | { kind: typeof STAR }

const BACKSLASH = 0x5c
const NEWLINE = 0x0a

/** `convertShellPatternToRegex` minus the regex: the pattern as tokens, or BuildKit's escape error. */
function compilePattern(pattern: string): PatternToken[] {
  // Go reads the pattern with text/scanner, so a leading U+FEFF is skipped here too.
  const s = new RuneScanner(pattern)
  const out: PatternToken[] = []
  for (let tok = s.next(); tok !== EOF; tok = s.next()) {
    if (tok === 0x2a) {
      out.push({ kind: STAR })
      continue
    }
    if (tok === 0x3f) {
      out.push({ kind: ANY })
      continue
    }
    if (tok === BACKSLASH) {
      // `\}` and `\/` only protect the ${} delimiters; the backslash is not part of the pattern.
      if (s.peek() === 0x7d || s.peek() === 0x2f) continue
      tok = s.next()
      if (tok !== 0x2a && tok !== 0x3f && tok !== BACKSLASH) {
        throw new Error(`invalid escape '\\${runeString(tok)}'`)
      }
    }
    out.push({ kind: LIT, cp: tok })
  }
  return out
}

function compileOrFail(pattern: string): PatternToken[] {
  try {
    return compilePattern(pattern)
  } catch (err) {
    throw new ShellLexFailure(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`)
  }
}

/**
 * Matches `tokens` against `text` with Go's leftmost-first preferences: a star tries its longest
 * extent first when `greedy`, its shortest otherwise. `endFrom(i, pos)` is the end of the preferred
 * match of tokens[i..] starting at pos, or -1; without captures that answer does not depend on how
 * pos was reached, so it is memoised.
 */
class PatternMatcher {
  /** Memo of star states, key i * (text length + 1) + pos: a typed array when small enough. */
  private readonly memo: Map<number, number> | Int32Array

  constructor(
    private readonly tokens: readonly PatternToken[],
    private readonly text: readonly number[],
    private readonly greedy: boolean,
  ) {
    const size = (tokens.length + 1) * (text.length + 1)
    // Int32Array entries start at 0, so they store end + 2 (0 = unknown, 1 = no match).
    this.memo = size <= 1 << 22 ? new Int32Array(size) : new Map<number, number>()
  }

  endFrom(i: number, pos: number): number {
    // Literals and `?` have no alternatives: walk them without recursing, up to the next star.
    for (;;) {
      const token = this.tokens[i]
      if (token === undefined) return pos
      if (token.kind === STAR) break
      const ch = this.text[pos]
      if (token.kind === LIT ? ch !== token.cp : ch === undefined || ch === NEWLINE) return -1
      i++
      pos++
    }
    const key = i * (this.text.length + 1) + pos
    const known = this.memo instanceof Map ? this.memo.get(key) : (this.memo[key] ?? 0) - 2
    if (known !== undefined && known !== -2) return known
    let max = pos
    while (max < this.text.length && this.text[max] !== NEWLINE) max++
    let end = -1
    if (this.greedy) {
      for (let k = max; k >= pos && end < 0; k--) end = this.endFrom(i + 1, k)
    } else {
      for (let k = pos; k <= max && end < 0; k++) end = this.endFrom(i + 1, k)
    }
    if (this.memo instanceof Map) this.memo.set(key, end)
    else this.memo[key] = end + 2
    return end
  }

  /** The leftmost match starting at or after `from` (Go's unanchored search), as [start, end). */
  find(from: number): [number, number] | undefined {
    for (let start = from; start <= this.text.length; start++) {
      const end = this.endFrom(0, start)
      if (end >= 0) return [start, end]
    }
    return undefined
  }
}

/** `${v#p}` / `${v##p}`: remove the shortest (longest when `greedy`) prefix matching `pattern`. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const tokens = compileOrFail(pattern)
  const text = codePoints(value)
  const end = new PatternMatcher(tokens, text, greedy).endFrom(0, 0)
  return end >= 0 ? fromCodePoints(text, end) : value
}

/**
 * BuildKit's `reversePattern`: reverse the runes but keep each `\x` pair in order (`a\*c` → `c\*a`).
 * A trailing lone backslash is treated as an ordinary character.
 */
export function reversePattern(pattern: string): string {
  const p = codePoints(pattern)
  const out = new Array<number>(p.length).fill(0)
  const last = p.length - 1
  for (let i = 0; i <= last; ) {
    const tok = p[i] ?? 0
    const at = last - i
    if (tok === BACKSLASH && i !== last) {
      out[at - 1] = tok
      out[at] = p[i + 1] ?? 0
      i += 2
    } else {
      out[at] = tok
      i++
    }
  }
  return fromCodePoints(out)
}

function reverseString(s: string): string {
  return fromCodePoints(codePoints(s).reverse())
}

/**
 * `${v%p}` / `${v%%p}`: like BuildKit, reverse both pattern and value and trim a prefix. (So a bad
 * escape is reported with the reversed pattern, as BuildKit does.)
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy))
}

/**
 * Go `regexp.Expand` for a pattern without groups: `$$` is `$`; `$0`/`${0}` is the whole match; any
 * other well-formed `$name`/`${name}` is empty; a malformed `$` stays as it is.
 */
function expandTemplate(template: string, match: string): string {
  let out = ''
  let t = template
  for (;;) {
    const i = t.indexOf('$')
    if (i < 0) break
    out += t.slice(0, i)
    t = t.slice(i)
    if (t.length > 1 && t[1] === '$') {
      out += '$'
      t = t.slice(2)
      continue
    }
    const ref = extractName(t)
    if (ref === undefined) {
      out += '$'
      t = t.slice(1)
      continue
    }
    t = ref.rest
    if (ref.name === '0') out += match
  }
  return out + t
}

/** Go regexp's `extract`: the name of a leading `$name` or `${name}`. */
function extractName(str: string): { name: string; rest: string } | undefined {
  if (str.length < 2 || str[0] !== '$') return undefined
  const brace = str[1] === '{'
  const cps = codePoints(str.slice(brace ? 2 : 1))
  let i = 0
  while (i < cps.length) {
    const cp = cps[i] ?? 0
    if (!isLetter(cp) && !isDigit(cp) && cp !== 0x5f) break
    i++
  }
  if (i === 0) return undefined
  const name = fromCodePoints(cps, 0, i)
  if (brace) {
    if (cps[i] !== 0x7d) return undefined
    i++
  }
  return { name, rest: fromCodePoints(cps, i) }
}

/**
 * `${v/p/r}` (first match, `r` inserted literally) and `${v//p/r}` (Go `ReplaceAllString`: `r` is a
 * template where `$0` is the match and `$$` a dollar; an empty match right after a match is skipped).
 * Star patterns are always greedy here.
 */
export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const tokens = compileOrFail(pattern)
  const text = codePoints(value)
  const matcher = new PatternMatcher(tokens, text, true)
  if (!all) {
    const m = matcher.find(0)
    if (m === undefined) return value
    return fromCodePoints(text, 0, m[0]) + replacement + fromCodePoints(text, m[1])
  }
  let out = ''
  let lastMatchEnd = 0
  let searchPos = 0
  while (searchPos <= text.length) {
    const m = matcher.find(searchPos)
    if (m === undefined) break
    const [start, end] = m
    out += fromCodePoints(text, lastMatchEnd, start)
    if (end > lastMatchEnd || start === 0) out += expandTemplate(replacement, fromCodePoints(text, start, end))
    lastMatchEnd = end
    // Always advance at least one character.
    searchPos = end > searchPos ? end : searchPos + 1
  }
  return out + fromCodePoints(text, lastMatchEnd)
}
