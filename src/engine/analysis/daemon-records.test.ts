import { describe, expect, it } from 'vitest'
import { tarOf, type RawMember } from '../image-io/test-fixtures.test-support'
import { diffLayerStack } from '../layers'
import { recordsFromLayerDiff } from './daemon-records'
import { analyzeLayers, analyzeRecords } from './waste'

const file = (name: string, size: number, fill = 1): RawMember => ({ name, data: Buffer.alloc(size, fill) })

// The daemon's view of an image is per-layer diffs, not the tars: read back through them, the
// analysis must find the same bytes as from the tars themselves.
describe('analysis from layer diffs (Docker daemon images)', () => {
  it('finds the same wasted bytes and paths as from the layer tars', async () => {
    const layers: RawMember[][] = [
      [{ name: 'cache', type: 'dir' }, file('cache/a', 100), file('cache/b', 200), file('bin/tool', 1000), file('bin/big', 5000)],
      [file('bin/tool', 1000, 2), { name: 'bin/alias', type: 'hardlink', linkname: 'bin/big' }],
      [{ name: '.wh.cache' }, { name: 'bin/.wh.big' }],
    ]
    const tars = await Promise.all(layers.map((members) => tarOf(members)))
    const fromTars = await analyzeLayers(tars.map((tar) => ({ diffId: '', createdBy: '', open: () => [tar] })))
    const diffs = await diffLayerStack(tars.map((tar) => [tar]))
    const fromDiffs = await analyzeRecords(
      diffs.map((diff) => ({ diffId: '', createdBy: '', records: recordsFromLayerDiff(diff) })),
      { contentHashed: false },
    )
    expect(fromTars.wastedBytes).toBe(1300)
    expect(fromDiffs).toMatchObject({ wastedBytes: 1300, storedBytes: fromTars.storedBytes, liveBytes: fromTars.liveBytes, contentHashed: false, duplicates: [] })
    expect(fromDiffs.wastedPaths).toEqual(fromTars.wastedPaths.map((p) => ({ ...p, unchangedRewrites: 0 })))
    expect(fromDiffs.biggestFiles).toEqual(fromTars.biggestFiles)
  })
})
