import { describe, expect, it } from 'vitest'
import { goDuration, goList, goQuotedList, goQuotedRune } from './go-format'

describe('goDuration (time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1_500, '1.5µs'],
    [1_000_000, '1ms'],
    [250_000_000, '250ms'],
    [1_000_000_000, '1s'],
    [1_500_000_000, '1.5s'],
    [90_000_000_000, '1m30s'],
    [3_600_000_000_000, '1h0m0s'],
    [3_723_000_000_001, '1h2m3.000000001s'],
    [-5_000_000_000, '-5s'],
  ])('%d ns → %s', (ns, text) => expect(goDuration(ns)).toBe(text))

  it('handles the int64 extremes exactly', () => {
    expect(goDuration(9223372036854775807n)).toBe('2562047h47m16.854775807s')
    expect(goDuration(-9223372036854775808n)).toBe('-2562047h47m16.854775808s')
  })
})

describe('goQuotedRune (fmt %q of an int)', () => {
  it.each([
    [0, "'\\x00'"],
    [3, "'\\x03'"],
    [7, "'\\a'"],
    [10, "'\\n'"],
    [31, "'\\x1f'"],
    [65, "'A'"],
    [39, "'\\''"],
    [92, "'\\\\'"],
    [127, "'\\x7f'"],
    [0x80, "'\\u0080'"],
    [0xe9, "'é'"],
    [0xd800, "'\uFFFD'"],
    [0x10ffff, "'\\U0010ffff'"],
    [0x110000, "'\uFFFD'"],
    [-1, "'\uFFFD'"],
  ])('%d → %s', (n, text) => expect(goQuotedRune(n)).toBe(text))
})

describe('lists', () => {
  it('%q quotes each element, %v does not', () => {
    expect(goQuotedList(['/bin/sh', '-c', 'echo "hi"\n'])).toBe('["/bin/sh" "-c" "echo \\"hi\\"\\n"]')
    expect(goQuotedList([])).toBe('[]')
    expect(goList(['/bin/bash', '-c'])).toBe('[/bin/bash -c]')
    expect(goList(['a b', '', 'c'])).toBe('[a b  c]')
  })
})
