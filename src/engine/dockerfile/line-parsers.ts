// Per-instruction argument grammars (BuildKit parser/line_parsers.go). Each parser gets the
// trimmed text after the keyword and flags and returns the argument values with their
// offsets in that text; the caller turns offsets into source ranges.

import { LineError } from './errors'
import { decodeJsonStringArray } from './go-json'
import { goQuote, isGoSpace, isGoSpaceByte, leadingSpaceLength, splitOnAsciiBlanks, Utf8View } from './go-strings'
import type { Span } from './split-command'
import type { EscapeToken } from './syntax'

export type ParsedArguments =
  | { readonly kind: 'values'; readonly values: readonly Span[]; readonly json: boolean }
  /** ONBUILD: the rest of the line is an instruction of its own. */
  | { readonly kind: 'subcommand'; readonly text: string }

type LineParser = (rest: string, escape: EscapeToken) => ParsedArguments

const values = (spans: readonly Span[], json = false): ParsedArguments => ({ kind: 'values', values: spans, json })
const NONE = values([])

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only'

/**
 * parseWords: quote-aware split on Go spaces. Quotes and escapes stay in the words (they are
 * removed later, at expansion); the escape token protects the next character, except inside
 * single quotes, and a lone escape at the very end is dropped.
 */
export function parseWords(rest: string, escape: EscapeToken): Span[] {
  const words: Span[] = []
  const n = rest.length
  let inWord = false
  let quote = ''
  let word = ''
  let start = 0
  let blankOK = false
  const push = (end: number) => {
    if (blankOK || word.length > 0) words.push({ value: word, start, end })
  }
  for (let pos = 0; pos <= n; pos++) {
    if (!inWord && !quote) {
      if (pos === n) break
      if (isGoSpace(rest.charCodeAt(pos))) continue
      inWord = true
      start = pos
    }
    if (pos === n) {
      push(pos)
      break
    }
    let ch = rest[pos] ?? ''
    if (!quote) {
      if (isGoSpace(ch.charCodeAt(0))) {
        push(pos)
        inWord = false
        word = ''
        blankOK = false
        continue
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        blankOK = true
      } else if (ch === escape) {
        if (pos + 1 === n) continue // skip an escape token at the end of the line
        word += ch
        pos++
        ch = rest[pos] ?? ''
      }
      word += ch
      continue
    }
    if (ch === quote) quote = ''
    // The escape token is special except inside single quotes.
    if (ch === escape && quote !== "'") {
      if (pos + 1 === n) {
        quote = ''
        continue
      }
      pos++
      word += ch
      ch = rest[pos] ?? ''
    }
    word += ch
  }
  return words
}

/**
 * ENV and LABEL. If the first word has no `=`, the legacy `KEY value…` form: key up to the
 * first blank, value the rest verbatim. Otherwise every word is `key=value`. Each pair is
 * emitted as key, value, separator (`=` or `` for the legacy form), as BuildKit's nodes are.
 */
function parseNameVal(keyword: string): LineParser {
  return (rest, escape) => {
    const words = parseWords(rest, escape)
    const first = words[0]
    if (first === undefined) return NONE
    if (!first.value.includes('=')) {
      const parts = splitOnAsciiBlanks(rest, 2)
      const key = parts[0]
      const value = parts[1]
      if (key === undefined || value === undefined) throw new LineError(`${keyword} must have two arguments`)
      const keyEnd = key.start + key.text.length
      return values([
        { value: key.text, start: key.start, end: keyEnd },
        { value: value.text, start: value.start, end: rest.length },
        { value: '', start: keyEnd, end: value.start },
      ])
    }
    const spans: Span[] = []
    for (const word of words) {
      const eq = word.value.indexOf('=')
      if (eq < 0) {
        throw new LineError(`Syntax error - can't find = in ${goQuote(word.value)}. Must be of the form: name=value`)
      }
      const at = word.start + eq
      spans.push(
        { value: word.value.slice(0, eq), start: word.start, end: at },
        { value: word.value.slice(eq + 1), start: at + 1, end: word.end },
        { value: '=', start: at, end: at + 1 },
      )
    }
    return values(spans)
  }
}

/** ARG: quote-aware words, each `name` or `name=value`, kept whole. */
const parseNameOrNameVal: LineParser = (rest, escape) => values(parseWords(rest, escape))

/** FROM, EXPOSE (and the non-JSON form of COPY/ADD/VOLUME): plain split on ASCII blanks. */
function whitespaceDelimited(rest: string): ParsedArguments {
  if (rest === '') return NONE
  return values(
    splitOnAsciiBlanks(rest, -1).map((p) => ({ value: p.text, start: p.start, end: p.start + p.text.length })),
  )
}

/** USER, WORKDIR, STOPSIGNAL, MAINTAINER: the whole rest as one value. */
const parseString: LineParser = (rest) => (rest === '' ? NONE : values([{ value: rest, start: 0, end: rest.length }]))

/** parseJSON: only text starting with `[` is tried; null when it is not a JSON array. */
function parseJson(rest: string): ParsedArguments | null {
  const skip = leadingSpaceLength(rest)
  if (rest.charCodeAt(skip) !== 0x5b) return null
  const decoded = decodeJsonStringArray(rest.slice(skip))
  if (decoded.kind === 'invalid') return null
  if (decoded.kind === 'not-strings') throw new LineError(NOT_STRING_ARRAY)
  return values(
    decoded.elements.map((e) => ({ value: e.value, start: skip + e.start, end: skip + e.end })),
    true,
  )
}

/** RUN, CMD, ENTRYPOINT, SHELL: JSON array (exec form), else the whole text (shell form). */
function parseMaybeJson(rest: string): ParsedArguments {
  if (rest === '') return NONE
  return parseJson(rest) ?? values([{ value: rest, start: 0, end: rest.length }])
}

/** COPY, ADD, VOLUME: JSON array, else a plain whitespace split (no quote handling). */
const parseMaybeJsonToList: LineParser = (rest) => parseJson(rest) ?? whitespaceDelimited(rest)

/**
 * HEALTHCHECK: the first word is the type (CMD/NONE/anything), the rest maybe-JSON. Go finds
 * the word's end byte by byte, so the byte view is used here as well.
 */
const parseHealthConfig: LineParser = (rest) => {
  const view = new Utf8View(rest)
  let sep = 0
  while (sep < view.length && !isGoSpaceByte(view.bytes[sep] ?? 0)) sep++
  let next = sep
  while (next < view.length && isGoSpaceByte(view.bytes[next] ?? 0)) next++
  if (sep === 0) return NONE
  const typeSpan: Span = { value: view.slice(0, sep), start: 0, end: view.offsetOf(sep) }
  const base = view.offsetOf(next)
  const command = parseMaybeJson(view.slice(next))
  if (command.kind !== 'values') return values([typeSpan])
  const shifted = command.values.map((s) => ({ value: s.value, start: base + s.start, end: base + s.end }))
  return values([typeSpan, ...shifted], command.json)
}

/** Unknown keywords: BuildKit's parseIgnore keeps one empty argument; the instruction pass rejects it. */
const parseIgnore: LineParser = (rest) => values([{ value: '', start: 0, end: rest.length }])

const PARSERS: ReadonlyMap<string, LineParser> = new Map<string, LineParser>([
  ['add', parseMaybeJsonToList],
  ['arg', parseNameOrNameVal],
  ['cmd', parseMaybeJson],
  ['copy', parseMaybeJsonToList],
  ['entrypoint', parseMaybeJson],
  ['env', parseNameVal('ENV')],
  ['expose', whitespaceDelimited],
  ['from', whitespaceDelimited],
  ['healthcheck', parseHealthConfig],
  ['label', parseNameVal('LABEL')],
  ['maintainer', parseString],
  ['onbuild', (rest) => (rest === '' ? NONE : { kind: 'subcommand', text: rest })],
  ['run', parseMaybeJson],
  ['shell', parseMaybeJson],
  ['stopsignal', parseString],
  ['user', parseString],
  ['volume', parseMaybeJsonToList],
  ['workdir', parseString],
])

/** Every instruction BuildKit knows, lower-case. */
export const KNOWN_INSTRUCTIONS: readonly string[] = [...PARSERS.keys()].sort()

export function isKnownInstruction(keyword: string): boolean {
  return PARSERS.has(keyword)
}

/** Dispatches on the lower-cased keyword, as BuildKit's table does. */
export function parseArguments(keyword: string, rest: string, escape: EscapeToken): ParsedArguments {
  return (PARSERS.get(keyword) ?? parseIgnore)(rest, escape)
}
