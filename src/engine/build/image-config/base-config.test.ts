import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ImageConfig } from '../../store'
import { goTime, inheritStageConfig, initialConfig, onbuildTriggers } from '.'

const busybox = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'busybox.config.json'), 'utf8')) as ImageConfig
const linux = { os: 'linux', arch: 'amd64', variant: '' }
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

describe('initialConfig', () => {
  it('scratch: the target platform, default PATH, WorkingDir /, nothing else', () => {
    expect(initialConfig('scratch', { os: 'linux', arch: 'arm64', variant: 'v8' })).toEqual({
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
      config: { Env: [PATH], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    })
    expect(initialConfig('scratch', { os: 'windows', arch: 'amd64', variant: '' }).config).toEqual({ WorkingDir: '/' })
  })

  it('an image: only what dockerspec.DockerOCIImage holds, created cleared, history and rootfs kept', () => {
    const config = initialConfig(busybox, linux)
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [PATH], Cmd: ['sh'] },
      rootfs: busybox.rootfs,
      history: busybox.history,
    })
  })

  it('appends PATH when the image has none, drops OnBuild, normalizes WorkingDir', () => {
    const base = {
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      author: 'me',
      'os.features': [],
      config: { Env: ['A=1'], OnBuild: ['RUN x'], WorkingDir: 'w', Labels: null, Volumes: {}, Healthcheck: { Test: ['NONE'], Interval: 0 } },
      history: [{ created: '2024-01-02T03:04:05.120000+00:00', created_by: 'x', extra: 1 }],
    } as unknown as ImageConfig
    expect(initialConfig(base, linux)).toEqual({
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      author: 'me',
      config: { Env: ['A=1', PATH], WorkingDir: '/w/w', Healthcheck: { Test: ['NONE'] } },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created: '2024-01-02T03:04:05.12Z', created_by: 'x' }],
    })
    expect(onbuildTriggers(base)).toEqual(['RUN x'])
    expect(onbuildTriggers(busybox)).toEqual([])
  })

  it('FROM <stage>: a copy without OnBuild', () => {
    const parent = { ...initialConfig(busybox, linux), config: { Cmd: ['x'], OnBuild: ['RUN y'] } }
    const child = inheritStageConfig(parent)
    expect(child.config).toEqual({ Cmd: ['x'] })
    child.config.Cmd?.push('z')
    expect(parent.config.Cmd).toEqual(['x'])
  })
})

describe('goTime (Go time.Time JSON round trip)', () => {
  it.each([
    ['2026-11-27T05:44:20.880747266Z', '2026-11-27T05:44:20.880747266Z'],
    ['2020-01-01T00:00:00.000000000+00:00', '2020-01-01T00:00:00Z'],
    ['2020-01-01T00:00:00.1234567891Z', '2020-01-01T00:00:00.123456789Z'],
    ['2020-01-01T01:00:00.500+01:00', '2020-01-01T01:00:00.5+01:00'],
    ['not a time', 'not a time'],
  ])('%s → %s', (input, want) => expect(goTime(input)).toBe(want))
})
