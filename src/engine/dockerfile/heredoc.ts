// Heredoc detection (BuildKit parser.go: heredocsFromLine, ParseHeredoc, heredocFromMatch).

import { LineError } from './errors'
import { ShellLex } from './shell-lex'
import { ShellExpansionError } from './shell-errors'

/** Instructions whose lines may open heredocs (ONBUILD counts through its sub-instruction). */
export const HEREDOC_INSTRUCTIONS: ReadonlySet<string> = new Set(['add', 'copy', 'run'])

/** A heredoc opener found on an instruction line, before its body is read. */
export interface HeredocMarker {
  readonly name: string
  readonly fileDescriptor: number
  readonly expand: boolean
  readonly chomp: boolean
}

// `^(\d*)<<(-?)\s*([^<]*)$`, with Go's ASCII `\d` and `\s`.
// BuildKit runs its full shell lexer for heredoc detection, with an empty environment and
// SkipUnsetEnv so every `$var` is put back as written, and the escape fixed to `\`.
const detectionLexer = new ShellLex({ escapeToken: '\\', skipUnsetEnv: true })

function lexHeredocWords(text: string, options: { rawQuotes: boolean; rawEscapes: boolean }): string[] {
  return detectionLexer.with(options).processWords(text, {}).words
}

const HEREDOC_WORD = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/su

function countQuotes(s: string): number {
  let n = 0
  for (const ch of s) if (ch === "'" || ch === '"') n++
  return n
}

/**
 * ParseHeredoc: whether one shell word opens a heredoc. The delimiter is lexed twice, with
 * and without keeping quotes; if the quote counts differ some part was quoted, and the body
 * is not to be expanded. (Escaped quotes show up in both, so they cancel out.) Throws
 * ShellExpansionError for a delimiter the lexer rejects (`<<'EOF`).
 */
export function heredocFromWord(word: string): HeredocMarker | null {
  const match = HEREDOC_WORD.exec(word)
  if (!match) return null
  const digits = match[1] ?? ''
  const chomp = match[2] === '-'
  const rest = match[3] ?? ''
  if (rest === '') return null
  const words = lexHeredocWords(rest, { rawQuotes: false, rawEscapes: false })
  const name = words[0]
  if (name === undefined || words.length !== 1) return null
  const raw = lexHeredocWords(rest, { rawQuotes: true, rawEscapes: false })
  const rawName = raw[0]
  if (rawName === undefined || raw.length !== 1) {
    throw new LineError(`internal lexing of heredoc produced inconsistent results: ${rest}`)
  }
  return {
    name,
    // strconv.ParseUint errors are ignored by BuildKit; an overflow yields the max value.
    fileDescriptor: digits === '' ? 0 : Math.min(Number(digits), 2 ** 64 - 1),
    expand: countQuotes(name) === countQuotes(rawName),
    chomp,
  }
}

/**
 * heredocsFromLine: split the whole logical line into raw words (quotes, escapes and
 * variables kept) and keep the words that open heredocs, in order. A line the lexer cannot
 * split (an unterminated quote, say) has no heredocs at all, as in BuildKit, which ignores
 * that error; a malformed delimiter word, on the other hand, is an error.
 */
export function heredocsFromLine(line: string): HeredocMarker[] {
  let words: string[]
  try {
    words = lexHeredocWords(line, { rawQuotes: true, rawEscapes: true })
  } catch (e) {
    if (e instanceof ShellExpansionError) return []
    throw asLineError(e)
  }
  const markers: HeredocMarker[] = []
  for (const word of words) {
    try {
      const marker = heredocFromWord(word)
      if (marker) markers.push(marker)
    } catch (e) {
      throw asLineError(e)
    }
  }
  return markers
}

function asLineError(e: unknown): unknown {
  if (e instanceof ShellExpansionError) return new LineError(e.message)
  // Go's lexer recurses on `${a:-${b:-…}}` without limit; JavaScript's stack does not
  // stretch as far, so absurd nesting is reported instead of crashing.
  if (e instanceof RangeError) return new LineError('${…} nested too deeply to look for heredocs')
  return e
}

/**
 * MustParseHeredoc: the heredoc a word opens, or null (also for a malformed delimiter). The
 * instruction layer uses it to tell heredoc sources of COPY/ADD from paths.
 */
export function parseHeredocWord(word: string): HeredocMarker | null {
  try {
    return heredocFromWord(word)
  } catch (e) {
    if (e instanceof ShellExpansionError || e instanceof RangeError) return null
    throw e
  }
}

/** ChompHeredocContent: what `<<-` does to the body, applied when the body is used. */
export function chompHeredocContent(content: string): string {
  // Go's `(?m)^` starts a line only after `\n`; JavaScript's would also fire after `\r`.
  return content
    .split('\n')
    .map((line) => line.replace(/^\t+/, ''))
    .join('\n')
}
