import { describe, expect, it } from 'vitest'
import type { ImageListEntry } from '../../shared/images-api'
import { createdAgo, filterImages, imageSelector, shortId } from './image-list'

const entry = (fields: Partial<ImageListEntry>): ImageListEntry => ({
  source: 'store',
  ref: 'app:1',
  id: 'sha256:0123456789abcdef0123',
  tags: ['app:1'],
  size: 10,
  created: '',
  ...fields,
})

describe('image list', () => {
  it('opens store images by reference and daemon images by daemon reference', () => {
    expect(imageSelector(entry({}))).toEqual({ image: 'app:1' })
    expect(imageSelector(entry({ source: 'docker', ref: 'busybox:latest' }))).toEqual({ daemonImage: 'busybox:latest' })
  })

  it('filters by every word over tags, reference and id', () => {
    const images = [entry({ ref: 'app:1', tags: ['app:1', 'web:prod'] }), entry({ ref: 'busybox:latest', tags: ['busybox:latest'], id: 'sha256:ffff' })]
    expect(filterImages(images, 'web').map((i) => i.ref)).toEqual(['app:1'])
    expect(filterImages(images, 'BUSY ffff').map((i) => i.ref)).toEqual(['busybox:latest'])
    expect(filterImages(images, '  ')).toHaveLength(2)
    expect(filterImages(images, 'app busybox')).toEqual([])
  })

  it('shows ids and ages as docker images does', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab')
    const now = Date.parse('2026-11-27T12:00:00Z')
    expect(createdAgo('2026-11-24T12:00:00Z', now)).toBe('3 days ago')
    expect(createdAgo('2026-11-27T11:59:50Z', now)).toBe('just now')
    expect(createdAgo('2025-11-01T00:00:00Z', now)).toBe('last year')
    expect(createdAgo('', now)).toBe('')
    expect(createdAgo('0001-01-01T00:00:00Z', now)).toBe('')
  })
})
