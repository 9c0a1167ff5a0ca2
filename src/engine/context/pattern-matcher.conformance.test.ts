// moby/patternmatcher's own TestMatches table (shared/conformance, see its SOURCE.txt): every
// vector must give upstream's answer from MatchesOrParentMatches.

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCorpus } from '../../../scripts/conformance-corpus'
import { PatternMatcher } from './pattern-matcher'

const corpus = findCorpus('moby/patternmatcher vectors', 'derived/patternmatcher-matches.json')
const vectorsFile = path.join(corpus.dir, 'derived/patternmatcher-matches.json')

interface Vectors {
  single: { pattern: string; path: string; match: boolean }[]
  multi: { patterns: string[]; path: string; match: boolean }[]
}

if (!corpus.available) {
  describe.skip('moby/patternmatcher conformance', () => {
    it('needs the conformance corpus', () => {})
  })
} else {
  const vectors = JSON.parse(readFileSync(vectorsFile, 'utf8')) as Vectors
  const cases = [
    ...vectors.single.map((v) => ({ patterns: [v.pattern], path: v.path, match: v.match })),
    ...vectors.multi,
  ]
  let passed = 0

  describe('moby/patternmatcher conformance', () => {
    afterAll(() => {
      console.log(`patternmatcher vectors ${passed}/${cases.length}`)
    })

    it('finds the vectors', () => {
      expect(vectors.single.length).toBeGreaterThan(0)
      expect(vectors.multi.length).toBeGreaterThan(0)
    })

    it.each(cases.map((c) => [JSON.stringify(c.patterns), c.path, c.match] as const))(
      'New(%s).MatchesOrParentMatches(%j) = %s',
      (patterns, file, match) => {
        const pm = new PatternMatcher(JSON.parse(patterns) as string[])
        expect(pm.matchesOrParentMatches(file)).toBe(match)
        passed++
      },
    )
  })
}
