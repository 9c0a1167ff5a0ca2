import { describe, expect, it } from 'vitest'
import { WorkdirError, goClean, goJoin, normalizeWorkdir } from './paths'

describe('Go path helpers', () => {
  it.each([
    ['', '.'],
    ['/', '/'],
    ['//a//b/', '/a/b'],
    ['a/../..', '..'],
    ['/../a/./b/..', '/a'],
    ['./', '.'],
  ])('Clean(%j) = %j', (p, want) => expect(goClean(p)).toBe(want))

  it('Join skips empty elements and cleans', () => {
    expect(goJoin('/dev/pipes/', 'EOF')).toBe('/dev/pipes/EOF')
    expect(goJoin('', '')).toBe('')
    expect(goJoin('/a', '../b')).toBe('/b')
  })
})

describe('normalizeWorkdir (system.NormalizeWorkdir)', () => {
  it.each([
    ['', 'app/', '/app'],
    ['/app', '../x/./y', '/x/y'],
    ['/app', '/abs/../p/', '/abs/../p/'],
    ['/app', '//', '//'],
    ['/app', '', '/app'],
    ['rel/dir', 'rel/dir', '/rel/dir/rel/dir'],
    ['/w', '.', '/w'],
  ])('current %j + %j → %j on Linux', (current, wd, want) => {
    expect(normalizeWorkdir(current, wd, 'linux')).toEqual({ config: want, slashed: want })
  })

  it('strips the system drive and uses backslashes on Windows', () => {
    expect(normalizeWorkdir('', 'app', 'windows')).toEqual({ config: '\\app', slashed: '/app' })
    expect(normalizeWorkdir('\\app', 'C:\\work\\..\\dir\\', 'windows')).toEqual({ config: '\\dir', slashed: '/dir' })
    expect(normalizeWorkdir('\\app', 'sub', 'windows')).toEqual({ config: '\\app\\sub', slashed: '/app/sub' })
    expect(() => normalizeWorkdir('', 'D:\\x', 'windows')).toThrow(WorkdirError)
    expect(() => normalizeWorkdir('', 'C:', 'windows')).toThrow('No relative path specified in "C:"')
    expect(() => normalizeWorkdir('', '\\\\server\\share', 'windows')).toThrow('UNC paths are not supported')
  })
})
