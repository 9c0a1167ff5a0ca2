/**
 * BuildKit's shell-word lexer (`frontend/dockerfile/shell/lex.go`, `shell.Lex`): quote removal,
 * escapes and `$var` / `${var…}` expansion for Dockerfile words, in single-word mode (`processWord`)
 * or split into words (`processWords`). It reproduces BuildKit's behaviour, quirks included — see
 * the notes marked "BuildKit quirk" below and the tests next to this file.
 */
import { ShellExpansionError, ShellLexFailure } from './shell-errors'
import { replacePattern, trimPrefix, trimSuffix } from './shell-glob'
import type { EnvGetter, ShellEnv } from './shell-env'
import { toEnvGetter } from './shell-env'
import { EOF, RuneScanner, isDigit, isLetter, isSpace, runeString } from './shell-go'

export type { EnvGetter, ShellEnv } from './shell-env'
export { envFromList } from './shell-env'
export { ShellExpansionError } from './shell-errors'

export interface ShellLexOptions {
  /** The Dockerfile's escape token (`# escape=` directive). */
  escapeToken: '\\' | '`'
  /** Keep quote characters in the result (BuildKit `RawQuotes`). */
  rawQuotes?: boolean
  /** Keep escape tokens in the result (BuildKit `RawEscapes`). */
  rawEscapes?: boolean
  /** Treat `'` and `"` as ordinary characters (BuildKit `SkipProcessQuotes`). */
  skipProcessQuotes?: boolean
  /** Leave references to unset variables as written, e.g. `$X`, `${X:-y}` (BuildKit `SkipUnsetEnv`). */
  skipUnsetEnv?: boolean
}

export interface ShellProcessResult {
  /** Single-word mode result (BuildKit `Result`). */
  result: string
  /** Words mode result (BuildKit `Words`). */
  words: string[]
  /** Names looked up and found (BuildKit `Matched`), as written: `$1` records `1`. */
  matched: Set<string>
  /** Names looked up and not found (BuildKit `Unmatched`). */
  unmatched: Set<string>
}

export class ShellLex {
  readonly escapeToken: '\\' | '`'
  readonly rawQuotes: boolean
  readonly rawEscapes: boolean
  readonly skipProcessQuotes: boolean
  readonly skipUnsetEnv: boolean

  constructor(opts: ShellLexOptions) {
    this.escapeToken = opts.escapeToken
    this.rawQuotes = opts.rawQuotes ?? false
    this.rawEscapes = opts.rawEscapes ?? false
    this.skipProcessQuotes = opts.skipProcessQuotes ?? false
    this.skipUnsetEnv = opts.skipUnsetEnv ?? false
  }

  /** A lexer with the same settings except those given. */
  with(opts: Partial<ShellLexOptions>): ShellLex {
    return new ShellLex({
      escapeToken: this.escapeToken,
      rawQuotes: this.rawQuotes,
      rawEscapes: this.rawEscapes,
      skipProcessQuotes: this.skipProcessQuotes,
      skipUnsetEnv: this.skipUnsetEnv,
      ...opts,
    })
  }

  /** Both results of one pass (BuildKit `ProcessWordWithMatches`). Throws {@link ShellExpansionError}. */
  process(word: string, env: ShellEnv): ShellProcessResult {
    const sw = new ShellWord(this, toEnvGetter(env), word)
    try {
      const { result, words } = sw.processStopOn(EOF, this.rawEscapes)
      return { result, words, matched: sw.matched, unmatched: sw.unmatched }
    } catch (err) {
      if (err instanceof ShellLexFailure) throw new ShellExpansionError(word, err.message)
      throw err
    }
  }

  /** Single-word mode (BuildKit `ProcessWord`): quotes removed, no splitting. */
  processWord(word: string, env: ShellEnv): { result: string; matched: Set<string>; unmatched: Set<string> } {
    const { result, matched, unmatched } = this.process(word, env)
    return { result, matched, unmatched }
  }

  /** Words mode (BuildKit `ProcessWords`): unquoted whitespace, also inside expansions, splits words. */
  processWords(word: string, env: ShellEnv): { words: string[]; matched: Set<string>; unmatched: Set<string> } {
    const { words, matched, unmatched } = this.process(word, env)
    return { words, matched, unmatched }
  }
}

const DOLLAR = 0x24
const SQUOTE = 0x27
const DQUOTE = 0x22
const LBRACE = 0x7b
const RBRACE = 0x7d
const COLON = 0x3a
const SLASH = 0x2f
const HASH = 0x23
const PERCENT = 0x25
const LESS = 0x3c

/** `isSpecialParam`: `$@ $* $# $? $- $$ $! $0` (looked up like any name, so normally unset). */
function isSpecialParam(cp: number): boolean {
  return '@*#?-$!0'.includes(String.fromCodePoint(cp))
}

function fail(message: string): never {
  throw new ShellLexFailure(message)
}

/** Word accumulation for words mode (BuildKit `wordsStruct`): one per pass, so nested passes over
 * `${v:-…}` parts never touch the word being built around them. */
interface WordsState {
  words: string[]
  word: string
  inWord: boolean
}

/** One pass over one word (BuildKit `shellWord`). */
class ShellWord {
  readonly matched = new Set<string>()
  readonly unmatched = new Set<string>()
  private readonly scanner: RuneScanner
  private readonly escape: number
  private rawEscapes: boolean

  constructor(
    private readonly lex: ShellLex,
    private readonly env: EnvGetter,
    word: string,
  ) {
    this.scanner = new RuneScanner(word)
    this.escape = lex.escapeToken.codePointAt(0) ?? 0x5c
    this.rawEscapes = lex.rawEscapes
  }

  private addChar(w: WordsState, ch: number): void {
    if (isSpace(ch) && w.inWord) {
      if (w.word.length !== 0) {
        w.words.push(w.word)
        w.word = ''
        w.inWord = false
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(w, ch)
    }
  }

  private addRawChar(w: WordsState, ch: number): void {
    w.word += String.fromCodePoint(ch)
    w.inWord = true
  }

  private addRawString(w: WordsState, s: string): void {
    w.word += s
    w.inWord = true
  }

  private getWords(w: WordsState): string[] {
    if (w.word.length > 0) {
      w.words.push(w.word)
      w.word = ''
      w.inWord = false
    }
    return w.words
  }

  /** Process up to `stopChar` (consumed) or the end (`EOF`); `rawEscapes` applies meanwhile. */
  processStopOn(stopChar: number, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes
    this.rawEscapes = rawEscapes
    try {
      let result = ''
      const w: WordsState = { words: [], word: '', inWord: false }
      const sc = this.scanner
      while (sc.peek() !== EOF) {
        let ch = sc.peek()
        if (stopChar !== EOF && ch === stopChar) {
          sc.next()
          return { result, words: this.getWords(w) }
        }
        const quote = !this.lex.skipProcessQuotes && (ch === SQUOTE || ch === DQUOTE)
        if (ch === DOLLAR || ch === LESS || quote) {
          const tmp =
            ch === DOLLAR
              ? this.processDollar()
              : ch === LESS
                ? this.processPossibleHeredoc()
                : ch === SQUOTE
                  ? this.processSingleQuote()
                  : this.processDoubleQuote()
          result += tmp
          if (ch === DOLLAR) {
            for (const c of tmp) this.addChar(w, c.codePointAt(0) ?? 0)
          } else {
            this.addRawString(w, tmp)
          }
          continue
        }
        ch = sc.next()
        if (ch === this.escape) {
          if (this.rawEscapes) {
            this.addRawChar(w, ch)
            result += String.fromCodePoint(ch)
          }
          // The escape token escapes any character; a trailing one is dropped.
          ch = sc.next()
          if (ch === EOF) break
          this.addRawChar(w, ch)
        } else {
          this.addChar(w, ch)
        }
        result += String.fromCodePoint(ch)
      }
      if (stopChar !== EOF) fail(`unexpected end of statement while looking for matching ${runeString(stopChar)}`)
      return { result, words: this.getWords(w) }
    } finally {
      this.rawEscapes = saved
    }
  }

  /** A nested pass up to `stopChar`; failing at the end of input becomes `missing`. */
  private processPart(stopChar: number, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stopChar, rawEscapes).result
    } catch (err) {
      // BuildKit replaces any error (also one from a nested expansion) that leaves the scanner at the end.
      if (err instanceof ShellLexFailure && this.scanner.peek() === EOF) fail(missing)
      throw err
    }
  }

  /**
   * `<`, or `<<` plus the spaces, tabs and CRs right after it, taken as one raw piece: in words mode
   * `<< EOF` stays one word (for heredoc detection). The text itself is unchanged. This applies in
   * every mode, outside quotes.
   */
  private processPossibleHeredoc(): string {
    const sc = this.scanner
    sc.next()
    if (sc.peek() !== LESS) return '<'
    sc.next()
    let result = '<<'
    for (let ch = sc.peek(); ch === 0x20 || ch === 0x09 || ch === 0x0d; ch = sc.peek()) {
      result += String.fromCodePoint(ch)
      sc.next()
    }
    return result
  }

  private processSingleQuote(): string {
    const sc = this.scanner
    let result = ''
    let ch = sc.next()
    if (this.lex.rawQuotes) result += String.fromCodePoint(ch)
    for (;;) {
      ch = sc.next()
      if (ch === EOF) fail('unexpected end of statement while looking for matching single-quote')
      if (ch === SQUOTE) {
        if (this.lex.rawQuotes) result += "'"
        return result
      }
      result += String.fromCodePoint(ch)
    }
  }

  private processDoubleQuote(): string {
    const sc = this.scanner
    let result = ''
    const open = sc.next()
    if (this.lex.rawQuotes) result += String.fromCodePoint(open)
    for (;;) {
      const peek = sc.peek()
      if (peek === EOF) fail('unexpected end of statement while looking for matching double-quote')
      if (peek === DQUOTE) {
        sc.next()
        if (this.lex.rawQuotes) result += '"'
        return result
      }
      if (peek === DOLLAR) {
        result += this.processDollar()
        continue
      }
      let ch = sc.next()
      if (ch === this.escape) {
        if (this.rawEscapes) result += String.fromCodePoint(ch)
        const after = sc.peek()
        // An escape before the end is dropped (and the missing quote reported next round).
        if (after === EOF) continue
        // Only `"`, `$` and the escape token itself can be escaped; otherwise it stays literal.
        // BuildKit quirk: with rawEscapes that literal escape is written twice.
        if (after === DQUOTE || after === DOLLAR || after === this.escape) ch = sc.next()
      }
      result += String.fromCodePoint(ch)
    }
  }

  private getEnv(name: string): { value: string; set: boolean } {
    const value = this.env(name)
    if (value !== undefined) {
      this.matched.add(name)
      return { value, set: true }
    }
    this.unmatched.add(name)
    return { value: '', set: false }
  }

  private processDollar(): string {
    const sc = this.scanner
    sc.next()
    if (sc.peek() !== LBRACE) {
      const name = this.processName()
      if (name === '') return '$'
      const { value, set } = this.getEnv(name)
      if (!set && this.lex.skipUnsetEnv) return '$' + name
      return value
    }
    sc.next()
    const first = sc.peek()
    if (first === EOF) fail("syntax error: missing '}'")
    if (first === LBRACE || first === RBRACE || first === COLON) fail('syntax error: bad substitution')
    const name = this.processName()
    let ch = sc.next()
    // BuildKit quirk: an unterminated `${name` reads EOF here and reports "unsupported modifier (\uFFFD)".
    let chs = runeString(ch)
    if (ch === RBRACE) {
      const { value, set } = this.getEnv(name)
      if (!set && this.lex.skipUnsetEnv) return `\${${name}}`
      return value
    }
    if (ch === SLASH) return this.processReplace(name)
    let nullIsUnset = false
    if (ch === COLON) {
      nullIsUnset = true
      ch = sc.next()
      chs += runeString(ch)
    } else if (!'+-?#%'.includes(chs)) {
      fail(`unsupported modifier (${chs}) in substitution`)
    }
    // From here as BuildKit's `case '+', '-', '?', '#', '%'` (also reached after any `:x`).
    const rawEscapes = ch === HASH || ch === PERCENT
    if (nullIsUnset && rawEscapes) fail(`unsupported modifier (${chs}) in substitution`)
    let word = this.processPart(RBRACE, rawEscapes, "syntax error: missing '}'")
    const { value, set } = this.getEnv(name)
    if (this.lex.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`
    const empty = !set || (nullIsUnset && value === '')
    switch (ch) {
      case 0x2d: // '-'
        return empty ? word : value
      case 0x2b: // '+'
        return empty ? '' : word
      case 0x3f: // '?'
        if (!set) fail(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`)
        if (nullIsUnset && value === '') fail(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`)
        return value
      case HASH:
      case PERCENT: {
        // `##`/`%%`: the doubled character arrives as the first character of the pattern.
        const greedy = word.length > 0 && word.codePointAt(0) === ch
        if (greedy) word = word.slice(1)
        return ch === PERCENT ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy)
      }
      default:
        return fail(`unsupported modifier (${chs}) in substitution`)
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`; the first `/` is consumed. */
  private processReplace(name: string): string {
    const sc = this.scanner
    const all = sc.peek() === SLASH
    if (all) sc.next()
    const pattern = this.processPart(SLASH, true, "syntax error: missing '/' in ${}")
    const replacement = this.processPart(RBRACE, true, "syntax error: missing '}'")
    const { value, set } = this.getEnv(name)
    // BuildKit quirk: the `//` of replace-all is not kept here.
    if (this.lex.skipUnsetEnv && !set) return `\${${name}/${pattern}/${replacement}}`
    return replacePattern(value, pattern, replacement, all)
  }

  /** A name: a run of digits, one special-parameter character, or letters/digits/`_`. */
  private processName(): string {
    const sc = this.scanner
    let name = ''
    while (sc.peek() !== EOF) {
      const ch = sc.peek()
      if (name === '' && isDigit(ch)) {
        while (sc.peek() !== EOF && isDigit(sc.peek())) name += String.fromCodePoint(sc.next())
        return name
      }
      if (name === '' && isSpecialParam(ch)) {
        sc.next()
        return String.fromCodePoint(ch)
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== 0x5f) break
      name += String.fromCodePoint(sc.next())
    }
    return name
  }
}
