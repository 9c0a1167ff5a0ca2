/**
 * Runs BuildKit's own shell-lexer vectors against ShellLex:
 * - buildkit/frontend/dockerfile/shell/envVarTest (lex_test.go TestShellParser4EnvVars)
 * - buildkit/frontend/dockerfile/shell/wordsTest (lex_test.go TestShellParser4Words)
 * - derived/shell-lex-process-word.json (lex_test.go TestProcessWithMatches)
 *
 * The corpus directory (holding buildkit/ and derived/) is $LAYERLAB_CONFORMANCE_DIR, else
 * ../shared/conformance next to the repository. Without it the suite is skipped, except under
 * CI=true where that is a failure.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCorpus } from '../../../scripts/conformance-corpus'
import { ShellExpansionError, ShellLex } from './shell-lex'

const corpus = findCorpus(
  'shell conformance corpus',
  'buildkit/frontend/dockerfile/shell/envVarTest',
  'buildkit/frontend/dockerfile/shell/wordsTest',
  'derived/shell-lex-process-word.json',
)
const corpusDir = corpus.dir
const shellDir = path.join(corpusDir, 'buildkit/frontend/dockerfile/shell')
const files = {
  envVarTest: path.join(shellDir, 'envVarTest'),
  wordsTest: path.join(shellDir, 'wordsTest'),
  processWord: path.join(corpusDir, 'derived/shell-lex-process-word.json'),
}

/** Go strings.TrimSpace (Unicode White_Space, not JS trim's set). */
function goTrimSpace(s: string): string {
  return s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '')
}

/** bufio.Scanner lines: split on \n, drop a trailing \r, no extra line after a final newline. */
function goLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
}

function lexOutcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() }
  } catch (error) {
    return { ok: false, error }
  }
}

const counts = { envVar: [0, 0, 0], words: [0, 0], processWord: [0, 0] }

if (!corpus.available) {
  describe.skip('shell conformance', () => {
    it('finds the corpus', () => {})
  })
} else {
  afterAll(() => {
    const [ep, et, ew] = counts.envVar
    console.log(
      `envVarTest ${ep}/${et} (${ew} windows-only skipped), wordsTest ${counts.words[0]}/${counts.words[1]}, ` +
        `process-word vectors ${counts.processWord[0]}/${counts.processWord[1]}`,
    )
  })

  describe('envVarTest (TestShellParser4EnvVars)', () => {
    // lex_test.go: NewLex('\\') and envs PWD=/home SHELL=bash KOREAN=한국어 NULL= (NULL set but empty).
    const envList = ['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']
    const envMap = new Map([['PWD', '/home'], ['SHELL', 'bash'], ['KOREAN', '한국어'], ['NULL', '']])
    const lex = new ShellLex({ escapeToken: '\\' })
    const cases: { line: number; source: string; expected: string }[] = []
    goLines(readFileSync(files.envVarTest, 'utf8')).forEach((raw, i) => {
      if (raw.startsWith('#')) return
      const line = goTrimSpace(raw)
      if (line === '') return
      const fields = line.split('|')
      if (fields.length !== 3) throw new Error(`envVarTest line ${i + 1}: expected 3 fields: ${raw}`)
      const [platform, source, expected] = fields.map(goTrimSpace) as [string, string, string]
      if (!['W', 'A', 'U'].includes(platform)) throw new Error(`envVarTest line ${i + 1}: bad tag ${platform}`)
      // W lines assume Windows (case-insensitive names); this engine targets Linux images.
      if (platform === 'W') counts.envVar[2]!++
      else cases.push({ line: i + 1, source, expected })
    })
    counts.envVar[1] = cases.length

    it.each(cases)('line $line: $source', ({ source, expected }) => {
      for (const env of [envList, envMap]) {
        const out = lexOutcome(() => lex.processWord(source, env).result)
        if (expected === 'error') {
          expect(out.ok, `expected an error, got ${JSON.stringify(out)}`).toBe(false)
          if (!out.ok) expect(out.error).toBeInstanceOf(ShellExpansionError)
        } else {
          expect(out).toEqual({ ok: true, value: expected })
        }
      }
      counts.envVar[0]!++
    })
  })

  describe('wordsTest (TestShellParser4Words)', () => {
    const lex = new ShellLex({ escapeToken: '\\' })
    const cases: { line: number; input: string; env: string[]; expected: string[] }[] = []
    const env: string[] = []
    goLines(readFileSync(files.wordsTest, 'utf8')).forEach((line, i) => {
      if (line.startsWith('#')) return
      if (line.startsWith('ENV ')) {
        env.push(line.slice(3).replace(/^ +/, ''))
        return
      }
      const parts = line.split('|')
      if (parts.length !== 2) throw new Error(`wordsTest line ${i + 1}: should be exactly one | in: ${line}`)
      const input = goTrimSpace(parts[0]!)
      const expected = parts[1]!.replace(/^ +/, '').split(',')
      cases.push({ line: i + 1, input, env: [...env], expected })
    })
    counts.words[1] = cases.length

    it.each(cases)('line $line: $input', ({ input, env, expected }) => {
      for (const e of [env, new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))]) {
        const out = lexOutcome(() => lex.processWords(input, e).words)
        expect(out.ok ? out.value : ['error']).toEqual(expected)
      }
      counts.words[0]!++
    })
  })

  describe('shell-lex-process-word.json (TestProcessWithMatches)', () => {
    interface Vector {
      input: string
      envs: Record<string, string>
      expected?: string
      error?: boolean
    }
    const vectors = (JSON.parse(readFileSync(files.processWord, 'utf8')) as { cases: Vector[] }).cases
    counts.processWord[1] = vectors.length

    // The JSON carries results only; the matched/unmatched names of the same table in lex_test.go
    // (checked there for the cases that succeed), in file order: [input, matched, unmatched].
    const names: [string, string[], string[]][] = [
      ['x', [], []],
      ['x ${UNUSED}', [], ['UNUSED']],
      ['x ${FOO}', ['FOO'], []],
      ['${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', ['FOO', 'BAR'], ['BAZ']],
      ['${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', ['FOO', 'BAR'], ['BAZ']],
      ['${FOO:-}', ['FOO'], []],
      ['${FOO:-}', [], ['FOO']],
      ['${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', ['FOO', 'BAR'], ['BAZ']],
      ['${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', ['FOO', 'BAR'], ['BAZ']],
      ['${FOO?aaa}', ['FOO'], []],
      ['${BAR?bbb}', ['BAR'], []],
      ['${FOO:?aaa}', ['FOO'], []],
      ['${FOO#()[]{\\}^$.\\*\\?|\\\\}', ['FOO'], []],
      ['${FOO%%\\**}', ['FOO'], []],
      ['${FOO#*x*y}', ['FOO'], []],
      ['${FOO#*}', ['FOO'], []],
      ['${FOO#$BAR}', ['FOO', 'BAR'], []],
      ['${FOO#$BAR}', ['FOO', 'BAR'], []],
      ['${FOO#}', ['FOO'], []],
      ['${FOO##*x}', ['FOO'], []],
      ['${FOO##}', ['FOO'], []],
      ['${FOO#?\\?}', ['FOO'], []],
      ['${ABC:-.}${FOO%x}${ABC:-.}', ['FOO'], ['ABC']],
      ['${FOO%%\\**\\*}', ['FOO'], []],
      ['${FOO%}', ['FOO'], []],
      ['${FOO%%$BAR}', ['FOO', 'BAR'], []],
      ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', ['FOO', 'NEEDLE'], []],
      ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', ['FOO', 'NEEDLE'], []],
      ['${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', ['FOO', 'NEEDLE', 'REPLACEMENT'], []],
      ['${FOO/$NEEDLE/$REPLACEMENT}', ['FOO', 'NEEDLE', 'REPLACEMENT'], []],
      ['${FOO//\\//\\/}', ['FOO'], []],
      ['${FOO/$BAR/ww}', ['FOO', 'BAR'], []],
      ['${FOO///}', ['FOO'], []],
      ['${FOO///}', [], ['FOO']],
    ]
    const successes = vectors.filter((v) => !v.error)
    it('has matched/unmatched names for every successful vector', () => {
      expect(successes.map((v) => v.input)).toEqual(names.map(([input]) => input))
    })

    const lex = new ShellLex({ escapeToken: '\\' })
    let successIndex = 0
    const table = vectors.map((v, i) => ({ ...v, i, names: v.error ? undefined : names[successIndex++] }))
    it.each(table)('#$i: $input', (v) => {
      const out = lexOutcome(() => lex.process(v.input, v.envs))
      if (v.error) {
        expect(out.ok, `expected an error, got ${JSON.stringify(out)}`).toBe(false)
        if (!out.ok) expect(out.error).toBeInstanceOf(ShellExpansionError)
      } else {
        if (!out.ok) throw out.error
        expect(out.value.result).toBe(v.expected)
        expect(v.names?.[0], 'names entry').toBe(v.input)
        expect([...out.value.matched].sort()).toEqual([...(v.names?.[1] ?? [])].sort())
        expect([...out.value.unmatched].sort()).toEqual([...(v.names?.[2] ?? [])].sort())
      }
      counts.processWord[0]!++
    })
  })
}
