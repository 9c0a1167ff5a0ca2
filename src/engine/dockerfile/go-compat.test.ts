// The Go-behaviour helpers the parser is built on, checked against what Go's standard
// library returns for the same input.

import { describe, expect, it } from 'vitest'
import { trimContinuation } from './directives'
import { decodeJsonStringArray } from './go-json'
import { goQuote, goToLower, goTrimSpace, splitOnAsciiBlanks } from './go-strings'
import { chompHeredocContent, heredocFromWord, parseHeredocWord } from './heredoc'
import { ShellLex } from './shell-lex'
import { levenshtein, suggest } from './suggest'

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['♥☃ 한국어 é', '"♥☃ 한국어 é"'],
    ['\u00a0\u00ad\u2028\ufeff', '"\\u00a0\\u00ad\\u2028\\ufeff"'],
    ['\u{1F600}\u{E0001}', '"😀\\U000e0001"'],
    ['\ud800', '"\ufffd"'],
  ])('%j', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted)
  })
})

describe('Go string helpers', () => {
  it('trims Go spaces (U+0085 and U+00A0 yes, U+FEFF no)', () => {
    expect(goTrimSpace('\u0085\u00a0 x \u3000')).toEqual({ text: 'x', start: 3 })
    expect(goTrimSpace('\ufeffx').text).toBe('\ufeffx')
  })

  it('splits like regexp.Split on [\\t\\v\\f\\r ]+, empty pieces included', () => {
    expect(splitOnAsciiBlanks('a  b\tc', -1).map((p) => p.text)).toEqual(['a', 'b', 'c'])
    expect(splitOnAsciiBlanks('a b c', 2).map((p) => p.text)).toEqual(['a', 'b c'])
    expect(splitOnAsciiBlanks(' a ', -1).map((p) => p.text)).toEqual(['', 'a', ''])
    expect(splitOnAsciiBlanks('', 2).map((p) => p.text)).toEqual([''])
    expect(splitOnAsciiBlanks('a\u00a0b', 2).map((p) => p.text)).toEqual(['a\u00a0b'])
  })

  it('lower-cases rune by rune', () => {
    expect(goToLower('RUN')).toBe('run')
    expect(goToLower('ΟΔΟΣ')).toBe('οδοσ') // no final sigma
    expect(goToLower('İ')).toBe('i')
  })
})

describe('line continuation', () => {
  it.each([
    ['a \\', '\\', 'a ', true],
    ['a \\  \t', '\\', 'a ', true],
    ['\\', '\\', '', true],
    [' \\', '\\', ' ', true],
    ['a \\\\', '\\', 'a \\\\', false],
    ['foo \\\\\\', '\\', 'foo \\\\\\', false], // the documented one-character look-back quirk
    ['a `', '`', 'a ', true],
    ['a \\', '`', 'a \\', false],
  ])('%j with escape %j', (line, escape, text, continued) => {
    expect(trimContinuation(line, escape as '\\' | '`')).toEqual({ text, continued })
  })
})

describe('JSON arrays (encoding/json semantics)', () => {
  it('accepts arrays of strings, decoding escapes', () => {
    const result = decodeJsonStringArray('[ "a" , "\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000" ]  \n')
    expect(result.kind).toBe('strings')
    if (result.kind === 'strings') expect(result.elements.map((e) => e.value)).toEqual(['a', '" \\ / \b \f \n \r \t \u0000'])
  })

  it('pairs surrogate escapes and replaces lone ones', () => {
    const result = decodeJsonStringArray('["\\ud83d\\ude00", "\\udc00", "\\ud800\\u0041"]')
    expect(result.kind === 'strings' && result.elements.map((e) => e.value)).toEqual(['😀', '\ufffd', '\ufffdA'])
  })

  it.each([
    '["a"] x',
    '["a",]',
    "['a']",
    '["a"',
    '["a\tb"]',
    '["\\x"]',
    '[01]',
    '[1.]',
    '[-]',
    '[1e999]',
    '[["a"], 1e400]',
    '[tru]',
    '[{"a" 1}]',
  ])('%s is not JSON to BuildKit', (text) => {
    expect(decodeJsonStringArray(text).kind).toBe('invalid')
  })

  it.each(['[1]', '[null]', '[true, "a"]', '["a", {"b": [1, {"c": null}]}]', '[[]]', '[-0.5e+3]'])(
    '%s is JSON with a non-string',
    (text) => {
      expect(decodeJsonStringArray(text).kind).toBe('not-strings')
    },
  )

  it('limits nesting the way Go does, without recursion', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
    expect(decodeJsonStringArray(nested(10000)).kind).toBe('not-strings')
    expect(decodeJsonStringArray(nested(10001)).kind).toBe('invalid')
    expect(decodeJsonStringArray(nested(200000)).kind).toBe('invalid')
  })
})

describe('heredoc words', () => {
  const detection = new ShellLex({ escapeToken: '\\', skipUnsetEnv: true })
  const lexHeredocWords = (text: string, options: { rawQuotes: boolean; rawEscapes: boolean }) =>
    detection.with(options).processWords(text, {}).words

  it('lexes the raw words BuildKit looks for heredocs in (the shell lexer in raw modes)', () => {
    const raw = { rawQuotes: true, rawEscapes: true }
    expect(lexHeredocWords('RUN <<  EOF  > foo', raw)).toEqual(['RUN', '<<  EOF', '>', 'foo'])
    expect(lexHeredocWords(`COPY <<'A B' <<"C" \\<<D $x \${y:-z} /d`, raw)).toEqual([
      'COPY',
      "<<'A B'",
      '<<"C"',
      '\\<<D',
      '$x',
      '${y:-z}',
      '/d',
    ])
    expect(lexHeredocWords("a ''", { rawQuotes: false, rawEscapes: false })).toEqual(['a'])
  })

  it.each([
    ['<<EOF', { name: 'EOF', fileDescriptor: 0, expand: true, chomp: false }],
    ['12<<-EOF', { name: 'EOF', fileDescriptor: 12, expand: true, chomp: true }],
    ["<<'EOF'", { name: 'EOF', fileDescriptor: 0, expand: false, chomp: false }],
    ['<<E"O"F', { name: 'EOF', fileDescriptor: 0, expand: false, chomp: false }],
    ["<<eo\\'f", { name: "eo'f", fileDescriptor: 0, expand: true, chomp: false }],
    ['<< -EOF', { name: '-EOF', fileDescriptor: 0, expand: true, chomp: false }],
    ['<<${x}', { name: '${x}', fileDescriptor: 0, expand: true, chomp: false }],
  ])('%s opens a heredoc', (word, marker) => {
    expect(parseHeredocWord(word)).toEqual(marker)
  })

  it.each(['<<', '<<-', 'cat<<EOF', '<<<EOF', '"<<EOF"', '<<one two', "<<''", 'x<<EOF'])('%s does not', (word) => {
    expect(parseHeredocWord(word)).toBeNull()
  })

  it('rejects a malformed delimiter (MustParseHeredoc just says no)', () => {
    expect(() => heredocFromWord("<<'EOF")).toThrow(/matching single-quote/)
    expect(parseHeredocWord("<<'EOF")).toBeNull()
  })

  it('chomps leading tabs after \\n only, as Go (?m)^ does', () => {
    expect(chompHeredocContent('\tA\n\t\tB\r\tC\n  \tD\n')).toBe('A\nB\r\tC\n  \tD\n')
  })
})

describe('suggestions', () => {
  it('uses edit distance below 3', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3)
    expect(suggest('EXPOS', ['EXPOSE', 'ENV'])).toBe('EXPOSE')
    expect(suggest('xyz', ['RUN'])).toBeNull()
    expect(suggest('run', ['RUN'])).toBeNull()
  })
})
