// Golden cases for behaviour the BuildKit corpus does not cover: testdata/golden/<case>/
// holds a Dockerfile and an expected.json written from BuildKit's rules (see each case's
// "description"). Only the keys present in expected.json are checked.

import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { chompHeredocContent, DockerfileParseError, dumpResult, parseDockerfile } from './index'
import type { ParseResult, SourceRange } from './index'

interface ExpectedHeredoc {
  name: string
  fileDescriptor: number
  expand: boolean
  chomp: boolean
  content: string
  /** chompHeredocContent(content), when given. */
  chomped?: string
  /** [first body line, terminator line]. */
  lines: [number, number]
}

interface Expected {
  description: string
  options?: { rejectUnknownInstructions?: boolean }
  dump?: string
  escapeToken?: string
  /** [name, value, line]. */
  directives?: [string, string, number][]
  /** [startLine, endLine] per instruction. */
  lines?: [number, number][]
  /** attributes.json per instruction. */
  json?: boolean[]
  heredocs?: ExpectedHeredoc[][]
  warnings?: { rule: string; message: string; range: SourceRange }[]
  error?: { message: string; location: SourceRange }
}

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'golden')
const cases = readdirSync(goldenDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()

function checkResult(result: ParseResult, expected: Expected): void {
  const { ast } = result
  if (expected.dump !== undefined) expect(dumpResult(result)).toBe(expected.dump)
  if (expected.escapeToken !== undefined) expect(result.escapeToken).toBe(expected.escapeToken)
  if (expected.directives) {
    expect(result.directives.map((d) => [d.name, d.value, d.range.start.line])).toEqual(expected.directives)
  }
  if (expected.lines) expect(ast.children.map((c) => [c.startLine, c.endLine])).toEqual(expected.lines)
  if (expected.json) expect(ast.children.map((c) => c.attributes.json)).toEqual(expected.json)
  if (expected.heredocs) {
    expect(ast.children.length).toBe(expected.heredocs.length)
    expected.heredocs.forEach((want, i) => {
      const got = ast.children[i]?.heredocs ?? []
      expect(
        got.map((h) => ({
          name: h.name,
          fileDescriptor: h.fileDescriptor,
          expand: h.expand,
          chomp: h.chomp,
          content: h.content,
          lines: [h.range.start.line, h.range.end.line],
        })),
      ).toEqual(want.map(({ chomped: _chomped, ...rest }) => rest))
      want.forEach((h, k) => {
        if (h.chomped !== undefined) expect(chompHeredocContent(got[k]?.content ?? '')).toBe(h.chomped)
      })
    })
  }
  expect(result.warnings.map((w) => ({ rule: w.rule, message: w.message, range: w.range }))).toEqual(
    expected.warnings ?? [],
  )
}

describe('golden Dockerfiles (testdata/golden)', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  it.each(cases)('%s', (name) => {
    const dockerfile = readFileSync(path.join(goldenDir, name, 'Dockerfile'), 'utf8')
    const expected = JSON.parse(readFileSync(path.join(goldenDir, name, 'expected.json'), 'utf8')) as Expected
    let result: ParseResult | undefined
    let error: unknown
    try {
      result = parseDockerfile(dockerfile, expected.options)
    } catch (e) {
      error = e
    }
    if (expected.error) {
      expect(error).toBeInstanceOf(DockerfileParseError)
      const parseError = error as DockerfileParseError
      expect({ message: parseError.message, location: parseError.location }).toEqual(expected.error)
      return
    }
    if (error) throw error
    expect(result).toBeDefined()
    if (result) checkResult(result, expected)
  })
})
