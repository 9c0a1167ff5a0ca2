// Property tests: whatever the input, the parser either returns a tree or throws a located
// DockerfileParseError, and does so quickly. Inputs are random token soup and mutated real
// Dockerfiles (the golden cases, plus BuildKit's corpus when it is present).

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { conformanceDir } from '../../../scripts/conformance-corpus'
import { DockerfileParseError, dumpResult, parseDockerfile } from './index'
import type { ArgumentNode, InstructionNode, SourceRange } from './index'

const here = path.dirname(fileURLToPath(import.meta.url))

/** Generous: a parse takes well under a millisecond; this only catches runaway work. */
const MAX_MS_PER_CASE = 2000
const RUNS = 1500

function dockerfilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'Dockerfile')))
    .map((entry) => readFileSync(path.join(dir, entry.name, 'Dockerfile'), 'utf8'))
}

const seeds = [
  ...dockerfilesUnder(path.join(here, 'testdata', 'golden')),
  ...dockerfilesUnder(path.join(conformanceDir, 'buildkit/frontend/dockerfile/parser/testfiles')),
]

const FRAGMENTS = [
  '\\', '`', '\n', '\r', '\r\n', ' ', '\t', '\v', '#', '# escape=`\n', '# syntax=x\n', '<<', '<<EOF', '<<-EOF',
  "<<'EOF'", '<<"E F"', '3<<X', 'EOF\n', '\tEOF\n', '[', ']', '["a", ', '"', "'", '{', '}', '$', '${', '${a:-',
  '$(', ',', '=', '--', '--flag=', '-', 'RUN ', 'COPY ', 'ADD ', 'ONBUILD ', 'HEALTHCHECK ', 'CMD ', 'ENV ',
  'LABEL ', 'ARG ', 'FROM ', 'from ', 'NONE', '\uFEFF', '\u00a0', '\u0085', 'é', 'à', '😀', '\u0000', 'null', '1e999',
]

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
)
const randomDockerfile = fc.array(fragment, { maxLength: 80 }).map((parts) => parts.join(''))

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
)

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text
  for (const m of mutations) {
    const at = m.at % (out.length + 1)
    if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at)
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length)
    else out = out.slice(0, at) + out.slice(at, at + m.length) + out.slice(at)
  }
  return out
}

const mutatedDockerfile = fc
  .record({ seed: fc.constantFrom(...seeds), mutations: fc.array(mutation, { minLength: 1, maxLength: 12 }) })
  .map(({ seed, mutations }) => mutate(seed, mutations))

const tally = { parsed: 0, rejected: 0, slowestMs: 0 }

function checkRange(range: SourceRange): void {
  expect(range.start.line).toBeGreaterThanOrEqual(1)
  expect(range.start.column).toBeGreaterThanOrEqual(1)
  expect(range.end.line).toBeGreaterThanOrEqual(range.start.line)
}

function checkNode(node: InstructionNode): void {
  checkRange(node.range)
  node.flags.forEach((f) => checkRange(f.range))
  node.heredocs.forEach((h) => checkRange(h.range))
  for (let arg: ArgumentNode | null = node.next; arg; arg = arg.next) {
    checkRange(arg.range)
    if (arg.kind === 'subcommand') checkNode(arg.instruction)
  }
}

/** The property: a tree (that dumps) or a located DockerfileParseError, in bounded time. */
function parsesOrFailsCleanly(text: string): void {
  for (const rejectUnknownInstructions of [true, false]) {
    const started = performance.now()
    try {
      const result = parseDockerfile(text, { rejectUnknownInstructions })
      expect(dumpResult(result).endsWith(')\n')).toBe(true)
      result.ast.children.forEach(checkNode)
      result.warnings.forEach((w) => checkRange(w.range))
      tally.parsed++
    } catch (e) {
      if (!(e instanceof DockerfileParseError)) throw e
      checkRange(e.location)
      expect(e.message).toContain(e.detail)
      tally.rejected++
    }
    const elapsed = performance.now() - started
    tally.slowestMs = Math.max(tally.slowestMs, elapsed)
    expect(elapsed).toBeLessThan(MAX_MS_PER_CASE)
  }
}

describe('parser fuzzing', () => {
  afterAll(() => {
    console.log(
      `fuzz: ${tally.parsed + tally.rejected} parses, ${tally.parsed} trees, ${tally.rejected} DockerfileParseErrors, ` +
        `slowest ${tally.slowestMs.toFixed(2)} ms (seeds: ${seeds.length})`,
    )
  })

  it('random token soup parses or fails with a located DockerfileParseError', () => {
    fc.assert(fc.property(randomDockerfile, parsesOrFailsCleanly), { numRuns: RUNS })
  })

  it('mutated real Dockerfiles parse or fail with a located DockerfileParseError', () => {
    expect(seeds.length).toBeGreaterThan(0)
    fc.assert(fc.property(mutatedDockerfile, parsesOrFailsCleanly), { numRuns: RUNS })
  })

  it('survives hostile shapes: deep JSON, deep ${}, huge lines, many heredocs', () => {
    const hostile = [
      'CMD ' + '['.repeat(50000),
      'FROM a\nCMD ' + '['.repeat(9999) + ']'.repeat(9999),
      'FROM a\nRUN ' + '${a:-'.repeat(12000) + ' <<EOF\nEOF',
      'FROM a\nRUN ' + '<<A '.repeat(5000) + '\n' + 'A\n'.repeat(5000),
      'FROM a\nRUN x \\\n' + ' \\\n'.repeat(20000) + 'y',
      'FROM a\nLABEL ' + 'k="v\\" '.repeat(9000),
      '\\\n'.repeat(30000),
      '#\n'.repeat(30000) + 'FROM a',
    ]
    hostile.forEach(parsesOrFailsCleanly)
  })
})

describe('a large Dockerfile', () => {
  it('parses 10,000 lines', () => {
    const lines: string[] = ['# syntax=docker/dockerfile:1', 'FROM alpine:3.20 AS base']
    let instructions = 1
    for (let i = 0; lines.length < 10_000; i++) {
      const room = 10_000 - lines.length
      const pick = i % 6
      if (pick === 0 && room >= 3) {
        lines.push(`RUN apk add --no-cache pkg${i} \\`, `    && echo installed ${i} \\`, '    && true')
      } else if (pick === 1 && room >= 4) {
        lines.push(`COPY <<EOF /etc/conf.d/${i}.conf`, `key=${i}`, 'value=$HOME', 'EOF')
      } else if (pick === 2) {
        lines.push(`ENV VAR_${i}="value ${i}" OTHER_${i}=x\\ y`)
      } else if (pick === 3) {
        lines.push(`# step ${i}`)
        continue
      } else if (pick === 4) {
        lines.push(`LABEL org.example.step${i}=${i}`)
      } else {
        lines.push(`CMD ["/bin/app", "--step", "${i}"]`)
      }
      instructions++
    }
    const text = lines.join('\n') + '\n'
    const started = performance.now()
    const result = parseDockerfile(text)
    const elapsed = performance.now() - started
    console.log(`10,000-line Dockerfile: ${result.ast.children.length} instructions parsed in ${elapsed.toFixed(1)} ms`)
    expect(result.ast.children).toHaveLength(instructions)
    expect(result.ast.endLine).toBe(10_000)
  })
})
