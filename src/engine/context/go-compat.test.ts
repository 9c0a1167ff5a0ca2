import fc from 'fast-check'
import { posix } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goQuote } from './errors'
import { containsWildcards, GoBadPatternError, goMatch } from './go-match'
import { compareUtf8, comparePaths, goBase, goClean, goDir, goJoin, goTrimSpace } from './go-path'
import { goRegexpToJs } from './go-regexp'

describe('Go path helpers', () => {
  it.each([
    ['', '.'],
    ['.', '.'],
    ['/', '/'],
    ['//a//b/', '/a/b'],
    ['./a/./b/.', 'a/b'],
    ['a/../..', '..'],
    ['../../x', '../../x'],
    ['/../x', '/x'],
    ['a/b/../../../c', '../c'],
    ['abc/def/../..', '.'],
    ['/abc/..', '/'],
  ])('Clean(%j) = %j', (input, want) => {
    expect(goClean(input)).toBe(want)
  })

  it('Clean agrees with path.posix.normalize on clean-able inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '.', '..', '', 'c.d'), { maxLength: 8 }), fc.boolean(), (parts, rooted) => {
        const p = (rooted ? '/' : '') + parts.join('/')
        let want = posix.normalize(p === '' ? '.' : p)
        if (want.length > 1 && want.endsWith('/')) want = want.slice(0, -1)
        expect(goClean(p)).toBe(want)
      }),
    )
  })

  it('Join, Dir and Base', () => {
    expect(goJoin('/', '../x')).toBe('/x')
    expect(goJoin('/', '')).toBe('/')
    expect(goJoin()).toBe('')
    expect(goDir('file/')).toBe('file')
    expect(goDir('file')).toBe('.')
    expect(goDir('/')).toBe('/')
    expect(goBase('/a/b/')).toBe('b')
    expect(goBase('/')).toBe('/')
    expect(goBase('')).toBe('.')
  })

  it('TrimSpace uses Go spaces (U+0085 yes, U+FEFF no)', () => {
    expect(goTrimSpace('\u0085 x\t\u00a0')).toBe('x')
    expect(goTrimSpace('\ufeffx')).toBe('\ufeffx')
  })

  it('orders like Go strings and like BuildKit paths', () => {
    expect(compareUtf8('\u{1F600}', '\uffff')).toBe(1) // UTF-16 order would say -1
    const paths = ['a.txt', 'a/b', 'a', 'a/b/c', 'a-b', 'B']
    expect([...paths].sort(comparePaths)).toEqual(['B', 'a', 'a/b', 'a/b/c', 'a-b', 'a.txt'])
  })
})

describe('filepath.Match', () => {
  const cases: [string, string, boolean | 'bad'][] = [
    ['*.go', 'main.go', true],
    ['*.go', 'cmd/main.go', false],
    ['*/*.go', 'cmd/main.go', true],
    ['sub/*', 'sub/dir1', true],
    ['f?o', 'f/o', false],
    ['[/]', '/', true], // a class may match the separator; ? and * may not
    ['[!a]', '!', true], // only ^ negates
    ['[^a]', 'b', true],
    ['\\[x]', '[x]', true],
    ['[[]', '[', true],
    ['a*', 'a/b', false],
    ['*', '', true],
    ['', '', true],
    ['[z-a]', 'q', false],
    ['[', 'x', 'bad'],
    ['x\\', 'x', 'bad'],
    ['[]]', ']', 'bad'],
    ['ok*[', 'nope', 'bad'], // reported even though the match already failed
  ]
  it.each(cases)('Match(%j, %j) = %j', (pattern, name, want) => {
    let got: boolean | 'bad'
    try {
      got = goMatch(pattern, name)
    } catch (e) {
      expect(e).toBeInstanceOf(GoBadPatternError)
      expect((e as Error).message).toBe('syntax error in pattern')
      got = 'bad'
    }
    expect(got).toBe(want)
  })

  it('detects wildcards like fsutil (a backslash escapes)', () => {
    expect(containsWildcards('a/*.txt')).toBe(true)
    expect(containsWildcards('a/\\*.txt')).toBe(false)
    expect(containsWildcards('a[b')).toBe(true)
    expect(containsWildcards('plain/path')).toBe(false)
  })
})

describe('RE2 to JavaScript', () => {
  it.each([
    ['^a\\.b$', 'a.b', true],
    ['^a\\.b$', 'axb', false],
    ['^[^/]*$', 'a\nb', true], // negated classes match newline in RE2
    ['^.$', '\n', false],
    ['^.$', '\r', true], // JavaScript's dot would refuse \r
    ['^\\d$', '7', true],
    ['^\\d$', '\u0667', false], // ASCII only in RE2
    ['^[[:alpha:]]+$', 'abc', true],
    ['^[[^/]*]$', '[]', true], // patternmatcher's output for `[*]`: class [[^/] then a literal ]
    ['^a]$', 'a]', true],
    ['^\\pL$', 'é', true],
    ['^\u{1F600}$', '\u{1F600}', true],
  ])('%j on %j', (re, input, want) => {
    expect(goRegexpToJs(re).test(input)).toBe(want)
  })

  it.each(['^\\q$', '^[[:nope:]]$', '^(a$', '^a**$', '^\\1$'])('rejects %j', (re) => {
    expect(() => goRegexpToJs(re)).toThrow(/error parsing regexp/)
  })
})

describe('Go %q', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('/a b')).toBe('"/a b"')
    expect(goQuote('x"y\\z')).toBe('"x\\"y\\\\z"')
    expect(goQuote('tab\there\u0001')).toBe('"tab\\there\\x01"')
    expect(goQuote('é')).toBe('"é"')
    expect(goQuote('\u200b')).toBe('"\\u200b"')
  })
})
