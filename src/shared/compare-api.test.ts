import { describe, expect, it } from 'vitest'
import { isCompareImagesArgs } from './compare-api'

describe('isCompareImagesArgs', () => {
  it('takes two selectors of any kind and an optional file limit', () => {
    expect(isCompareImagesArgs({ a: { buildId: '20261127T074539282Z-oamzrocj' }, b: { image: 'app:2' } })).toBe(true)
    expect(isCompareImagesArgs({ a: { image: 'sha256:' + 'a'.repeat(64) }, b: { daemonImage: 'busybox:1.36' }, fileLimit: 50 })).toBe(true)
  })

  it('refuses what the engine must never see', () => {
    expect(isCompareImagesArgs({ a: { image: 'app:1' } })).toBe(false)
    expect(isCompareImagesArgs({ a: { image: 'app:1' }, b: { image: 'app:2', buildId: 'x' } })).toBe(false)
    expect(isCompareImagesArgs({ a: { image: 'app:1' }, b: { image: 'has space' } })).toBe(false)
    expect(isCompareImagesArgs({ a: { buildId: '../etc/passwd' }, b: { image: 'app:2' } })).toBe(false)
    expect(isCompareImagesArgs({ a: { image: 'app:1' }, b: { image: 'app:2' }, fileLimit: -1 })).toBe(false)
    expect(isCompareImagesArgs({ a: { image: 'app:1' }, b: { image: 'app:2' }, extra: true })).toBe(false)
    expect(isCompareImagesArgs(null)).toBe(false)
  })
})
