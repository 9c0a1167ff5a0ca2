import { describe, expect, it } from 'vitest'
import { isListImagesArgs } from './images-api'
import { isImageLayersArgs, isLayerFileTreeArgs } from './layers-api'

describe('listImages arguments', () => {
  it('takes exactly a known source', () => {
    expect(isListImagesArgs({ source: 'store' })).toBe(true)
    expect(isListImagesArgs({ source: 'docker' })).toBe(true)
    for (const bad of [{}, { source: 'hub' }, { source: 'docker', all: true }, null, 'docker']) expect(isListImagesArgs(bad)).toBe(false)
  })
})

describe('image selectors', () => {
  it('name an image by exactly one of build, store reference or daemon reference', () => {
    expect(isImageLayersArgs({ daemonImage: 'busybox:1.36' })).toBe(true)
    expect(isImageLayersArgs({ daemonImage: 'sha256:' + 'a'.repeat(64) })).toBe(true)
    expect(isLayerFileTreeArgs({ daemonImage: 'busybox', layer: 0 })).toBe(true)
    expect(isImageLayersArgs({ daemonImage: 'busybox', image: 'busybox' })).toBe(false)
    expect(isImageLayersArgs({ daemonImage: 'has space' })).toBe(false)
    expect(isImageLayersArgs({ daemonImage: '' })).toBe(false)
    expect(isLayerFileTreeArgs({ daemonImage: 'busybox' })).toBe(false)
  })

  it('refuse daemon references that would reach another daemon endpoint', () => {
    expect(isImageLayersArgs({ daemonImage: 'localhost:5000/team/app@sha256:' + 'b'.repeat(64) })).toBe(true)
    for (const ref of ['a/../../containers/x', '../info', 'x?all=1', 'x#y', 'x%2F..', 'a//b', '/images', 'a/./b']) {
      expect(isImageLayersArgs({ daemonImage: ref }), ref).toBe(false)
    }
  })
})
