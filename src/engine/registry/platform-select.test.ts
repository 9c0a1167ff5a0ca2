import { describe, expect, it } from 'vitest'
import type { Descriptor } from '../store'
import { compatiblePlatforms, formatPlatform, hostPlatform, normalizePlatform, parsePlatform, selectManifest } from './platform-select'

const entry = (platform: string, digit: string): Descriptor => {
  const [os = '', architecture = '', variant] = platform.split('/')
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${digit.repeat(64)}`,
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  }
}

describe('platforms', () => {
  it('normalizes aliases and default variants as containerd does', () => {
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' })
    expect(parsePlatform('linux/aarch64/v8')).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
    expect(parsePlatform('linux/armhf')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
    expect(parsePlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(normalizePlatform({ os: 'Linux', architecture: 'arm', variant: '6' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' })
    expect(() => parsePlatform('linux//x')).toThrow(/invalid platform/)
    expect(formatPlatform(hostPlatform())).toMatch(/^linux\/\w+/)
  })

  it('lists what a CPU also runs, best first', () => {
    expect(compatiblePlatforms({ os: 'linux', architecture: 'arm64' }).map(formatPlatform)).toEqual(['linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5'])
    expect(compatiblePlatforms({ os: 'linux', architecture: 'arm', variant: 'v6' }).map(formatPlatform)).toEqual(['linux/arm/v6', 'linux/arm/v5'])
    expect(compatiblePlatforms({ os: 'linux', architecture: 'amd64' }).map(formatPlatform)).toEqual(['linux/amd64', 'linux/386'])
  })

  it('selects the exact platform first, then a compatible one, never an attestation', () => {
    const index = [entry('linux/386', '1'), entry('linux/amd64', '2'), entry('linux/arm64/v8', '3'), entry('linux/arm/v6', '4'), entry('unknown/unknown', '5')]
    expect(selectManifest(index, { os: 'linux', architecture: 'amd64' }).digest).toBe(index[1]?.digest)
    expect(selectManifest(index, { os: 'linux', architecture: 'arm64' }).digest).toBe(index[2]?.digest)
    expect(selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest).toBe(index[3]?.digest)
    expect(selectManifest([entry('linux/386', '1')], { os: 'linux', architecture: 'amd64' }).digest).toBe(index[0]?.digest)
    expect(() => selectManifest(index, { os: 'windows', architecture: 'amd64' })).toThrow(
      'no matching manifest for windows/amd64 in the manifest list entries (it has linux/386, linux/amd64, linux/arm64, linux/arm/v6)',
    )
  })
})
