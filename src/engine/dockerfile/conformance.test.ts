// BuildKit's own parser corpus (shared/conformance, see its SOURCE.txt): every testfiles case
// must dump byte for byte to its `result`, the negatives must fail with a located error,
// testfile-line must give upstream's line numbers, and every heredoc vector must match.

import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCorpus } from '../../../scripts/conformance-corpus'
import { DockerfileParseError, dumpResult, parseDockerfile } from './index'
import type { Heredoc } from './index'

const corpus = findCorpus(
  'Dockerfile parser corpus',
  'buildkit/frontend/dockerfile/parser',
  'derived/heredoc-parse.json',
)
const parserDir = path.join(corpus.dir, 'buildkit/frontend/dockerfile/parser')
const heredocVectors = path.join(corpus.dir, 'derived/heredoc-parse.json')

if (!corpus.available) {
  describe.skip('BuildKit parser conformance', () => {
    it('needs the conformance corpus', () => {})
  })
} else {
  const read = (...parts: string[]) => readFileSync(path.join(parserDir, ...parts), 'utf8')
  const cases = (dir: string) =>
    readdirSync(path.join(parserDir, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()

  const positives = cases('testfiles')
  const negatives = cases('testfiles-negative')
  const vectors = JSON.parse(readFileSync(heredocVectors, 'utf8')) as {
    dockerfile: string
    expected: ({ Name: string; FileDescriptor: number; Expand: boolean; Chomp: boolean; Content: string }[] | null)[]
  }
  const passed = { positives: 0, negatives: 0, heredocs: 0 }

  describe('BuildKit parser conformance', () => {
    afterAll(() => {
      console.log(
        `parser corpus ${passed.positives}/${positives.length}, ` +
          `negatives ${passed.negatives}/${negatives.length}, ` +
          `heredoc vectors ${passed.heredocs}/${vectors.expected.length}`,
      )
    })

    it('finds the corpus', () => {
      expect(positives.length).toBeGreaterThan(0)
      expect(negatives.length).toBeGreaterThan(0)
      expect(vectors.expected.length).toBeGreaterThan(0)
    })

    describe('testfiles dump to result byte for byte', () => {
      it.each(positives)('%s', (name) => {
        const dump = dumpResult(parseDockerfile(read('testfiles', name, 'Dockerfile')))
        expect(dump).toBe(read('testfiles', name, 'result'))
        passed.positives++
      })
    })

    describe('testfiles-negative fail with a located error', () => {
      it.each(negatives)('%s', (name) => {
        let caught: unknown
        try {
          parseDockerfile(read('testfiles-negative', name, 'Dockerfile'))
        } catch (e) {
          caught = e
        }
        expect(caught).toBeInstanceOf(DockerfileParseError)
        const error = caught as DockerfileParseError
        expect(error.location.start.line).toBeGreaterThanOrEqual(1)
        expect(error.location.end.line).toBeGreaterThanOrEqual(error.location.start.line)
        expect(error.message).toMatch(/^dockerfile parse error on line \d+: /)
        passed.negatives++
      })
    })

    it('testfile-line gives the line numbers of TestParseIncludesLineNumbers', () => {
      const { ast } = parseDockerfile(read('testfile-line', 'Dockerfile'))
      expect([ast.startLine, ast.endLine]).toEqual([5, 31])
      expect(ast.children.map((child) => [child.startLine, child.endLine])).toEqual([
        [5, 5],
        [11, 12],
        [17, 31],
      ])
    })

    describe('heredoc vectors (TestParseExtractsHeredoc)', () => {
      // BuildKit's parser.Parse keeps unknown instructions (the test file has one); so do we here.
      const { ast } = parseDockerfile(vectors.dockerfile, { rejectUnknownInstructions: false })
      const asGo = (heredocs: readonly Heredoc[]) =>
        heredocs.length === 0
          ? null
          : heredocs.map((h) => ({
              Name: h.name,
              FileDescriptor: h.fileDescriptor,
              Expand: h.expand,
              Chomp: h.chomp,
              Content: h.content,
            }))
      it.each(vectors.expected.map((expected, i) => ({ i, expected })))('instruction $i', ({ i, expected }) => {
        const child = ast.children[i + 1]
        expect(child).toBeDefined()
        expect(asGo(child?.heredocs ?? [])).toEqual(expected)
        passed.heredocs++
      })
    })
  })
}
