import { describe, expect, it } from 'vitest'
import { formatSize } from './format'

describe('formatSize', () => {
  it.each([
    [0, '0B'],
    [120, '120B'],
    [1024, '1.02kB'],
    [5_590_000, '5.59MB'],
    [1_500_000_000, '1.5GB'],
    [999, '999B'],
  ])('%d bytes is %s, as docker prints it', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text)
  })
})
