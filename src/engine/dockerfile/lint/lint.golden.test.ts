// Golden cases for the size and cache rules: testdata/lint/<case>/ holds a Dockerfile and an
// expected.json listing every finding (of the rules in `only`, or of all rules) with its range
// and fix titles. Each fix is applied and the file linted again: the finding must be gone.

import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import type { SourceRange } from '../syntax'
import { applyTextEdits } from './apply-edits'
import { lintDockerfile, type ContextFacts, type LintFinding } from './index'

interface ExpectedFinding {
  rule: string
  /** `line:col-line:col`, end exclusive. */
  range: string
  fixes?: string[]
  /** A part of the message. */
  message?: string
  cost?: string
  createFile?: string
  /** After the first fix, the lines from the finding's line on. */
  fixed?: string
}

interface Expected {
  description: string
  context?: ContextFacts
  only?: string[]
  findings: ExpectedFinding[]
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'lint')
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()

const show = (r: SourceRange) => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`

function lint(text: string, context?: ContextFacts): LintFinding[] {
  return lintDockerfile(parseDockerfile(text), text, context ? { context } : {})
}

describe('lint golden cases', () => {
  it('has a case for every rule', () => {
    expect(cases).toEqual(expect.arrayContaining(['apt-lists-left', 'apt-no-recommends', 'apt-update-alone', 'apk-no-cache', 'pip-no-cache-dir', 'consecutive-runs', 'copy-all-before-deps', 'dockerignore-missing', 'base-unpinned']))
  })

  for (const name of cases) {
    const text = readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8')
    const expected = JSON.parse(readFileSync(path.join(dir, name, 'expected.json'), 'utf8')) as Expected
    const relevant = (f: LintFinding) => !expected.only || expected.only.includes(f.rule)

    it(`${name}: ${expected.description}`, () => {
      const found = lint(text, expected.context).filter(relevant)
      expect(found.map((f) => `${f.rule} ${show(f.range)}`)).toEqual(expected.findings.map((f) => `${f.rule} ${f.range}`))
      expected.findings.forEach((want, i) => {
        const got = found[i]
        if (!got) return
        if (want.fixes) expect(got.fixes.map((f) => f.title)).toEqual(want.fixes)
        if (want.message) expect(got.message).toContain(want.message)
        if (want.cost) expect(got.cost?.text).toBe(want.cost)
        if (want.createFile) expect(got.fixes[0]?.createFile?.text).toBe(want.createFile)
      })
    })

    expected.findings.forEach((want, i) => {
      if (!want.fixes?.length || want.createFile) return
      it(`${name}: the fix for ${want.rule} at ${want.range} removes it`, () => {
        const before = lint(text, expected.context).filter(relevant)
        const finding = before[i]
        const fix = finding?.fixes[0]
        if (!finding || !fix) throw new Error('no fix to apply')
        const fixed = applyTextEdits(text, fix.edits)
        expect(fixed).not.toBe(text)
        if (want.fixed !== undefined) {
          const lines = fixed.split('\n').slice(finding.range.start.line - 1)
          expect(lines.slice(0, want.fixed.split('\n').length).join('\n')).toBe(want.fixed)
        }
        const after = lint(fixed, expected.context).filter((f) => f.rule === finding.rule)
        expect(after.length).toBe(before.filter((f) => f.rule === finding.rule).length - 1)
        // The fixed text still parses and builds the same stages.
        expect(() => parseDockerfile(fixed)).not.toThrow()
      })
    })
  }
})
