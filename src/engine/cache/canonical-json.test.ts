import { describe, expect, it } from 'vitest'
import { CanonicalJsonError, canonicalJson } from './canonical-json'

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts keys at every depth', { b: 1, a: { d: [1, 2], c: 'x' } }, '{"a":{"c":"x","d":[1,2]},"b":1}'],
    ['keeps array order', ['b', 'a', { z: 0, y: null }], '["b","a",{"y":null,"z":0}]'],
    ['writes strings as JSON', { s: 'a"b\\c\n€' }, '{"s":"a\\"b\\\\c\\n€"}'],
    ['leaves out undefined members', { a: undefined, b: false }, '{"b":false}'],
    ['writes -0 as 0', { n: -0 }, '{"n":0}'],
    ['accepts null-prototype objects', Object.assign(Object.create(null) as object, { k: 1 }), '{"k":1}'],
    ['sorts keys by code unit, not locale', { b: 1, B: 2, ä: 3, a: 4 }, '{"B":2,"a":4,"b":1,"ä":3}'],
  ])('%s', (_name, value, json) => {
    expect(canonicalJson(value)).toBe(json)
  })

  it('gives one form whatever order the fields were built in', () => {
    expect(canonicalJson({ x: 1, y: [{ q: 1, p: 2 }] })).toBe(canonicalJson({ y: [{ p: 2, q: 1 }], x: 1 }))
  })

  it.each<[string, unknown]>([
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['undefined in an array', [1, undefined]],
    ['a Map', { m: new Map() }],
    ['a Date', new Date(0)],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError)
  })
})
