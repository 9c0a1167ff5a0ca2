import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MatchInfo } from './pattern-matcher'
import { EMPTY_MATCH_INFO, PatternMatcher, PatternSyntaxError } from './pattern-matcher'

const excluded = (patterns: string[], file: string) => new PatternMatcher(patterns).matchesOrParentMatches(file)

describe('PatternMatcher', () => {
  // The table of engine-reference §4.
  it.each([
    [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
    [['*.md', 'README-secret.md', '!README*.md'], 'README-secret.md', false],
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs', '!docs/README.md'], 'docs/other', true],
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['a/*.txt'], 'a/b/c.txt', false],
    [['abc/**'], 'abc', false],
    [['**/.foo'], '.foo', true],
    [['*/temp*'], 'x/temporary.txt', true],
    [['*/temp*'], 'temp', false],
  ])('%j excludes %j: %s', (patterns, file, want) => {
    expect(excluded(patterns, file)).toBe(want)
  })

  it('cleans and trims patterns', () => {
    const pm = new PatternMatcher(['  ./a//b/  ', '', '!e/f/'])
    expect(pm.patterns.map((p) => [p.text, p.exclusion])).toEqual([
      ['a/b', false],
      ['e/f', true],
    ])
    expect(pm.exclusions).toBe(true)
    // New cleans before looking for '!', so `..` can swallow it (ReadAll strips '!' first).
    expect(new PatternMatcher(['!c/../d']).patterns.map((p) => [p.text, p.exclusion])).toEqual([['d', false]])
  })

  it('rejects a lone "!" and malformed patterns', () => {
    expect(() => new PatternMatcher(['!'])).toThrow(new PatternSyntaxError('illegal exclusion pattern: "!"'))
    expect(() => new PatternMatcher(['[abc'])).toThrow('syntax error in pattern')
    expect(() => new PatternMatcher(['a\\'])).toThrow('syntax error in pattern')
  })

  it('keeps RE2 meaning of escapes it passes through', () => {
    // `\d` reaches Go's regexp as a digit class, not as a literal d.
    expect(excluded(['file\\d'], 'file7')).toBe(true)
    expect(excluded(['file\\d'], 'filed')).toBe(false)
    expect(excluded(['a\\*b'], 'a*b')).toBe(true)
    expect(excluded(['a\\*b'], 'axb')).toBe(false)
    expect(excluded(['x[[:digit:]]'], 'x5')).toBe(true)
  })

  it('treats regexp metacharacters literally', () => {
    expect(excluded(['a+b(c)|{d}$'], 'a+b(c)|{d}$')).toBe(true)
    expect(excluded(['a.b'], 'axb')).toBe(false)
  })

  it('matches parents: a pattern for a directory excludes everything inside', () => {
    expect(excluded(['node_modules'], 'node_modules/x/y.js')).toBe(true)
    expect(excluded(['*/dist'], 'pkg/dist/bundle.js')).toBe(true)
    expect(excluded(['dist'], 'pkg/dist/bundle.js')).toBe(false)
  })

  it('MatchesExact ignores parents', () => {
    expect(new PatternMatcher(['docs']).matchesExact('docs/a')).toBe(false)
    expect(new PatternMatcher(['docs']).matchesExact('docs')).toBe(true)
  })

  it('parent results passed down a walk agree with checking every parent (no exceptions)', () => {
    const segment = fc.constantFrom('a', 'b', 'ab', '.x', 'a.md')
    const pattern = fc
      .tuple(fc.constant(false), fc.array(fc.constantFrom('a', 'b', '*', '**', 'a*', '?b', '*.md', '[ab]'), { minLength: 1, maxLength: 3 }))
      .map(([neg, parts]) => (neg ? '!' : '') + parts.join('/'))
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), fc.array(segment, { minLength: 1, maxLength: 4 }), (patterns, parts) => {
        const pm = new PatternMatcher(patterns)
        let info: MatchInfo = EMPTY_MATCH_INFO
        for (let i = 1; i <= parts.length; i++) {
          const file = parts.slice(0, i).join('/')
          const m = pm.matchesUsingParentResults(file, info)
          expect(m.matched).toBe(pm.matchesOrParentMatches(file))
          info = m.info
        }
      }),
      { numRuns: 500 },
    )
  })

  it('with exceptions the two differ, as upstream: an exception is not remembered for a parent', () => {
    // MatchesUsingParentResults (fsutil's walk) skips `!a*` for `a.md` because nothing matched
    // yet, so it cannot rescue `a.md/a` later; MatchesOrParentMatches checks the parent again.
    const pm = new PatternMatcher(['*.md/a', '!a*'])
    const parent = pm.matchesUsingParentResults('a.md')
    expect(pm.matchesUsingParentResults('a.md/a', parent.info).matched).toBe(true)
    expect(pm.matchesOrParentMatches('a.md/a')).toBe(false)
  })
})
