import { describe, expect, it } from 'vitest'
import type { BuildSummary } from '../../shared/project-api'
import { formatSizeDelta as signedSize } from '../../shared/format'
import { changeDetail, defaultPair } from './compare-model'

const build = (id: string, status: BuildSummary['status'] = 'succeeded', image = true): BuildSummary => ({
  id,
  startedAt: '2026-01-01T00:00:00Z',
  status,
  dockerfile: 'Dockerfile',
  layerSteps: 1,
  cachedLayerSteps: 0,
  ...(image ? { image: { digest: `sha256:${id}`, tags: [] } } : {}),
})

describe('compare view model', () => {
  it('opens on the shown build against the one before it, skipping builds without an image', () => {
    const history = [build('n4'), build('n3', 'failed', false), build('n2'), build('n1')]
    expect(defaultPair(history, undefined)).toEqual({ a: 'n2', b: 'n4' })
    expect(defaultPair(history, 'n2')).toEqual({ a: 'n1', b: 'n2' })
    // The oldest build has nothing before it: compare it with the next one.
    expect(defaultPair(history, 'n1')).toEqual({ a: 'n2', b: 'n1' })
    expect(defaultPair([build('only')], 'only')).toBeUndefined()
  })

  it('writes size changes with their sign and says how a file differs', () => {
    expect([signedSize(512), signedSize(-1500), signedSize(0)]).toEqual(['+512B', '-1.5kB', '0B'])
    const side = { type: 'file' as const, mode: 0o644, uid: 0, gid: 0 }
    expect(changeDetail({ path: 'x', change: 'changed', a: { ...side, size: 8 }, b: { ...side, size: 1009 }, differences: ['size', 'content'] })).toBe('8B → 1.01kB · content')
    expect(changeDetail({ path: 'x', change: 'added', b: { ...side, type: 'whiteout', size: 0 } })).toBe('B deletes it')
  })
})
