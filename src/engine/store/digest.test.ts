import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertDigest, digestFromHex, digestHex, isDigest, sha256Digest } from './digest'
import { StoreError } from './store-errors'

const hex = 'a'.repeat(64)

describe('digests', () => {
  it('accepts only sha256 with 64 lowercase hex digits', () => {
    expect(isDigest(`sha256:${hex}`)).toBe(true)
    for (const bad of [
      `sha256:${'A'.repeat(64)}`,
      `sha256:${hex.slice(1)}`,
      `sha256:${hex}0`,
      `sha512:${hex}`,
      `SHA256:${hex}`,
      `sha256:${hex}\n`,
      ` sha256:${hex}`,
      'sha256:../../x',
      `sha256:../../${hex.slice(6)}`,
      `sha256:${hex.slice(2)}/.`,
      hex,
      '',
      42,
      null,
    ]) {
      expect(isDigest(bad), String(bad)).toBe(false)
      expect(() => assertDigest(bad)).toThrow(StoreError)
    }
  })

  it('names the problem in the error', () => {
    expect(() => assertDigest('sha256:../../x', 'layer digest')).toThrow(/invalid layer digest "sha256:..\/..\/x"/)
    try {
      digestHex('sha256:XYZ')
      expect.unreachable()
    } catch (error) {
      expect((error as StoreError).code).toBe('invalid-digest')
    }
  })

  it('hashes known content', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Digest(Buffer.alloc(1024))).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef')
    expect(digestFromHex(hex)).toBe(`sha256:${hex}`)
  })

  it('never lets a non-canonical string through (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const canonical = /^sha256:[0-9a-f]{64}$/.test(s)
        expect(isDigest(s)).toBe(canonical)
      }),
    )
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (h) => {
        expect(digestHex(`sha256:${h}`)).toBe(h)
      }),
    )
  })
})
