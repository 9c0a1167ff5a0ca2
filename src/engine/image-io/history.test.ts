import { afterEach, describe, expect, it } from 'vitest'
import { putImage } from '../store'
import { ellipsis, formatHistoryTable, humanDuration, rfc3339Local } from './history-table'
import type { HistoryRow } from './image-history'
import { imageHistory } from './image-history'
import { entries, seedApp, seedImage, tempStore } from './test-fixtures.test-support'

const originalTz = process.env.TZ
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ
  else process.env.TZ = originalTz
})

describe('imageHistory', () => {
  it('lists entries newest first with the unpacked size of each layer, as the daemon does', async () => {
    const store = await tempStore()
    const seeded = await seedApp(store)
    const rows = await imageHistory(store, 'app:1')
    expect(rows).toEqual([
      {
        id: seeded.config.digest,
        created: '2026-01-02T03:04:05Z',
        createdBy: 'COPY app.txt /app/ # buildkit',
        // file bytes only: headers and padding of the tar do not count
        size: 'hello from layerlab\n'.length,
        comment: 'buildkit.dockerfile.v0',
        emptyLayer: false,
        diffId: seeded.imageConfig.rootfs.diff_ids[1],
      },
      { id: '<missing>', created: '2026-01-02T03:04:05Z', createdBy: 'ENV A=1', size: 0, comment: 'buildkit.dockerfile.v0', emptyLayer: true },
      {
        id: '<missing>',
        created: '2026-01-02T03:04:05Z',
        createdBy: 'ADD rootfs.tar / # buildkit',
        size: 'ID=test\n'.length + 40_000 + 'sh'.length, // a symlink counts its target's length
        comment: 'buildkit.dockerfile.v0',
        emptyLayer: false,
        diffId: seeded.imageConfig.rootfs.diff_ids[0],
      },
    ])
  })

  it('refuses history that claims more layers than the image has', async () => {
    const store = await tempStore()
    const image = await seedImage(store, ['odd:1'], [{ createdBy: 'COPY a /', layer: entries({ a: 'a' }) }])
    const config = { ...image.imageConfig, history: [...image.imageConfig.history, { created_by: 'RUN phantom' }] }
    await putImage(store, { config, layers: image.layers.map((l) => ({ digest: l.digest, size: l.size })), tags: ['odd:2'] })
    await expect(imageHistory(store, 'odd:2')).rejects.toThrow(/more non-empty entries than the image has layers/)
  })
})

const rows: HistoryRow[] = [
  {
    id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    created: '2026-01-02T03:04:05.123456789Z',
    createdBy: 'RUN /bin/sh -c apt-get update &&\tapt-get install -y curl ca-certificates # buildkit',
    size: 5_590_000,
    comment: 'buildkit.dockerfile.v0',
    emptyLayer: false,
  },
  { id: '<missing>', created: '2026-01-01T03:04:05Z', createdBy: 'ENV A=1', size: 0, comment: '', emptyLayer: true },
  { id: '<missing>', created: '2025-12-02T03:04:05Z', createdBy: 'COPY 日本語のファイル名がとても長いディレクトリ/ /srv/ # buildkit', size: 1020, comment: '', emptyLayer: false },
]

describe('formatHistoryTable', () => {
  const now = new Date('2026-01-02T05:04:05Z')

  it('prints docker history: tabwriter columns, 45-column CREATED BY, human sizes and ages', () => {
    expect(formatHistoryTable(rows, { now }).split('\n')).toEqual([
      'IMAGE          CREATED        CREATED BY                                      SIZE      COMMENT',
      '0123456789ab   2 hours ago    RUN /bin/sh -c apt-get update && apt-get ins…   5.59MB    buildkit.dockerfile.v0',
      '<missing>      26 hours ago   ENV A=1                                         0B        ',
      // Go's tabwriter pads by rune count, so wide text does not line up in a terminal (nor in docker's).
      `<missing>      4 weeks ago    COPY 日本語のファイル名がとても長いディレク…${' '.repeat(23)}1.02kB    `,
    ])
  })

  it('--no-trunc keeps IDs and commands whole; --human=false gives RFC 3339 and bytes', () => {
    process.env.TZ = 'UTC'
    const table = formatHistoryTable(rows.slice(0, 2), { now, trunc: false, human: false }).split('\n')
    expect(table[0]).toMatch(/^IMAGE {69}CREATED AT {13}CREATED BY {76}SIZE {6}COMMENT$/)
    expect(table[1]).toBe(
      `${rows[0]!.id}   2026-01-02T03:04:05Z   RUN /bin/sh -c apt-get update && apt-get install -y curl ca-certificates # buildkit   5590000   buildkit.dockerfile.v0`,
    )
  })

  it('formats times in the local zone as Go does', () => {
    process.env.TZ = 'Europe/Paris'
    expect(rfc3339Local(new Date('2026-07-01T10:00:00Z'))).toBe('2026-07-01T12:00:00+02:00')
    process.env.TZ = 'America/St_Johns'
    expect(rfc3339Local(new Date('2026-01-01T10:00:00Z'))).toBe('2026-01-01T06:30:00-03:30')
    process.env.TZ = 'UTC'
    expect(rfc3339Local(new Date('2026-01-01T10:00:00Z'))).toBe('2026-01-01T10:00:00Z')
  })

  it('words durations like go-units', () => {
    const cases: [number, string][] = [
      [0.5, 'Less than a second'], [1, '1 second'], [59, '59 seconds'], [60, 'About a minute'], [119, 'About a minute'],
      [120, '2 minutes'], [3599, '59 minutes'], [3600, 'About an hour'], [5399, 'About an hour'], [5400, '2 hours'],
      [47 * 3600, '47 hours'], [48 * 3600, '2 days'], [13 * 86400, '13 days'], [14 * 86400, '2 weeks'],
      [60 * 86400, '2 months'], [729 * 86400, '24 months'], [730 * 86400, '2 years'],
    ]
    for (const [seconds, words] of cases) expect(humanDuration(seconds), `${seconds}s`).toBe(words)
  })

  it('cuts by display width, wide characters taking two columns', () => {
    expect(ellipsis('abcdef', 6)).toBe('abcdef')
    expect(ellipsis('abcdefg', 6)).toBe('abcde…')
    expect(ellipsis('日本語日本語', 6)).toBe('日本…')
    expect(ellipsis('a日本語', 5)).toBe('a日…')
    expect(ellipsis('abc', 1)).toBe('a')
  })
})
