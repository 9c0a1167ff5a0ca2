import { describe, expect, it } from 'vitest'
import { ImageConfigError, finalizeConfig, initialConfig, stampHistory } from '.'
import type { HistoryEntry, OciImageConfig } from '.'

const empty = (created_by: string, created?: string): HistoryEntry => ({ created_by, empty_layer: true, ...(created ? { created } : {}) })
const layer = (created_by: string, created?: string): HistoryEntry => ({ created_by, ...(created ? { created } : {}) })

describe('stampHistory (normalizeLayersAndHistory)', () => {
  it('dates layers by their layer, a leading gap by the next dated entry, later gaps by the previous one', () => {
    const history = [layer('base', 'T0'), empty('ENV'), empty('LABEL'), layer('COPY'), empty('USER'), layer('RUN'), empty('CMD')]
    const times = ['T0', 'L1', 'L2']
    expect(stampHistory(history, (i) => times[i] ?? '?').map((h) => h.created)).toEqual(['T0', 'L1', 'L1', 'L1', 'L1', 'L2', 'L2'])
  })

  it('a build without layers takes the base image time', () => {
    const history = [layer('base', 'T0'), empty('ENV'), empty('LABEL')]
    expect(stampHistory(history, () => 'unused').map((h) => h.created)).toEqual(['T0', 'T0', 'T0'])
  })

  it('nothing dated stays undated', () => {
    expect(stampHistory([empty('ENV'), empty('WORKDIR /')], () => 'x').map((h) => h.created)).toEqual([undefined, undefined])
  })
})

describe('finalizeConfig', () => {
  const scratch = () => initialConfig('scratch', { os: 'linux', arch: 'amd64', variant: '' })
  const withHistory = (config: OciImageConfig, ...history: HistoryEntry[]): OciImageConfig => ({ ...config, history })

  it('adds the layers to rootfs, dates history, sets created to the last time', () => {
    const image = finalizeConfig(withHistory(scratch(), empty('ENV'), layer('COPY'), layer('RUN'), empty('CMD')), {
      layers: ['sha256:a', 'sha256:b'],
      created: '2026-01-01T00:00:00.000Z',
      layerCreated: ['2025-01-01T00:00:00Z'],
    })
    expect(image.rootfs.diff_ids).toEqual(['sha256:a', 'sha256:b'])
    expect(image.history.map((h) => h.created)).toEqual([
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z',
    ])
    expect(image.created).toBe('2026-01-01T00:00:00Z')
  })

  it('insists that history entries with a layer match the layers', () => {
    const config = withHistory(scratch(), layer('RUN'))
    expect(() => finalizeConfig(config, { layers: [], created: 'x' })).toThrow(ImageConfigError)
    expect(() => finalizeConfig(config, { layers: ['a', 'b'], created: 'x' })).toThrow(
      'history has 1 entries with a layer but rootfs has 2 layers (0 from the base, 2 added)',
    )
  })

  it('scratch without layers has no created time at all', () => {
    const image = finalizeConfig(withHistory(scratch(), empty('ENV')), { layers: [], created: '2026-01-01T00:00:00Z' })
    expect(image.created).toBeUndefined()
    expect(image.history).toEqual([empty('ENV')])
  })

  it('applies --label and an explicit --platform to the target', () => {
    const base = { ...scratch(), variant: 'v7', 'os.version': '10', config: { Labels: { a: '1', b: '1' } } }
    const image = finalizeConfig(base, {
      layers: [],
      created: 'x',
      labels: { b: '2', c: '3' },
      platform: { os: 'linux', arch: 'arm64', variant: '' },
    })
    expect(image.config.Labels).toEqual({ a: '1', b: '2', c: '3' })
    expect([image.architecture, image.variant, image['os.version']]).toEqual(['arm64', undefined, undefined])
    expect(base.config.Labels).toEqual({ a: '1', b: '1' })
  })
})
