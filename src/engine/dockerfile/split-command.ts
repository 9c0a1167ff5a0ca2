// Splitting a logical line into keyword, `--flags` and the rest (BuildKit
// parser/split_command.go). Offsets are kept so the caller can give every piece a range.

import { goTrimSpace, isAsciiBlank, isGoSpaceByte, Utf8View } from './go-strings'

export interface Span {
  readonly value: string
  /** Offsets of the source text the value came from. */
  readonly start: number
  readonly end: number
}

export interface SplitCommand {
  readonly keyword: Span
  readonly flags: readonly Span[]
  /** The arguments after the flags, trimmed. */
  readonly args: string
  /** Offset of `args` in the line. */
  readonly argsStart: number
}

/** splitCommand: trim, cut the keyword at the first run of ASCII blanks, pull flags off the rest. */
export function splitCommand(line: string): SplitCommand {
  const trimmed = goTrimSpace(line)
  const text = trimmed.text
  let cut = 0
  while (cut < text.length && !isAsciiBlank(text.charCodeAt(cut))) cut++
  const keyword: Span = { value: text.slice(0, cut), start: trimmed.start, end: trimmed.start + cut }
  if (cut === text.length) {
    return { keyword, flags: [], args: '', argsStart: trimmed.start + cut }
  }
  let restStart = cut
  while (restStart < text.length && isAsciiBlank(text.charCodeAt(restStart))) restStart++
  const base = trimmed.start + restStart
  const extracted = extractBuilderFlags(text.slice(restStart))
  const args = goTrimSpace(extracted.rest)
  return {
    keyword,
    flags: extracted.flags.map((f) => ({ value: f.value, start: base + f.start, end: base + f.end })),
    args: args.text,
    argsStart: base + extracted.restStart + args.start,
  }
}

const IN_SPACES = 0
const IN_WORD = 1
const IN_QUOTE = 2
const BACKSLASH = 0x5c
const DASH = 0x2d

/**
 * extractBuilderFlags. Go walks the string byte by byte here, so this does too: a byte 0x85
 * or 0xA0 inside a UTF-8 character counts as a blank, and every non-ASCII byte of a flag
 * word becomes its own Latin-1 character, exactly as `word.WriteRune(rune(line[pos]))`
 * does. The escape is always `\`, whatever the escape directive says.
 */
export function extractBuilderFlags(line: string): {
  readonly flags: readonly Span[]
  readonly rest: string
  readonly restStart: number
} {
  const view = new Utf8View(line)
  const bytes = view.bytes
  const n = bytes.length
  const flags: Span[] = []
  let phase = IN_SPACES
  let word = ''
  let wordStart = 0
  let quote = 0
  let blankOK = false
  const restFrom = (pos: number) => ({ flags, rest: view.slice(pos), restStart: view.offsetOf(pos) })
  const pushWord = (end: number) =>
    flags.push({ value: word, start: view.offsetOf(wordStart), end: view.offsetOf(end) })

  for (let pos = 0; pos <= n; pos++) {
    const ch = pos < n ? (bytes[pos] ?? 0) : 0
    if (phase === IN_SPACES) {
      if (pos === n) break
      if (isGoSpaceByte(ch)) continue
      // Only keep going while the next word starts with `--`.
      if (ch !== DASH || pos + 1 === n || bytes[pos + 1] !== DASH) return restFrom(pos)
      phase = IN_WORD
      wordStart = pos
    }
    if (pos === n) {
      if (word !== '--' && (blankOK || word.length > 0)) pushWord(pos)
      break
    }
    if (phase === IN_WORD) {
      if (isGoSpaceByte(ch)) {
        phase = IN_SPACES
        if (word === '--') return restFrom(pos)
        if (blankOK || word.length > 0) pushWord(pos)
        word = ''
        blankOK = false
        continue
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch
        blankOK = true
        phase = IN_QUOTE
        continue
      }
      let c = ch
      if (c === BACKSLASH) {
        if (pos + 1 === n) continue // a trailing `\` is dropped
        pos++
        c = bytes[pos] ?? 0
      }
      word += String.fromCharCode(c)
      continue
    }
    // IN_QUOTE
    if (ch === quote) {
      phase = IN_WORD
      continue
    }
    let c = ch
    if (c === BACKSLASH) {
      if (pos + 1 === n) {
        phase = IN_WORD
        continue
      }
      pos++
      c = bytes[pos] ?? 0
    }
    word += String.fromCharCode(c)
  }
  return { flags, rest: '', restStart: line.length }
}
