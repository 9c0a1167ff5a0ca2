import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BuildRecord } from './build-records'
import { buildRecordPath, deleteBuild, listBuilds, newBuildId, readBuild, writeBuild } from './build-records'
import { sha256Digest } from './digest'
import type { Store } from './store'
import { openStore } from './store'

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-builds-'))
  store = await openStore(path.join(dir, 'store'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function record(id: string, project: string, status: BuildRecord['status'] = 'succeeded'): BuildRecord {
  return {
    id,
    project,
    dockerfile: path.join(project, 'Dockerfile'),
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:05.000Z',
    status,
    plan: { stages: 1, steps: 3 },
    eventsSummary: { cached: 2, built: 1 },
    timings: { total: 5000 },
    result: { imageDigest: sha256Digest('manifest'), tags: ['docker.io/library/app:latest'] },
  }
}

describe('build records', () => {
  it('makes ids that sort by time and do not collide', () => {
    const a = newBuildId(new Date('2026-01-01T10:00:00.000Z'))
    const b = newBuildId(new Date('2026-01-01T10:00:00.001Z'))
    const c = newBuildId(new Date('2027-01-01T00:00:00.000Z'))
    expect(a).toMatch(/^20260101T100000000Z-[a-z2-7]{8}$/)
    expect([c, a, b].sort()).toEqual([a, b, c])
    const same = new Set(Array.from({ length: 100 }, () => newBuildId(new Date(0))))
    expect(same.size).toBe(100)
  })

  it('writes, rewrites and reads a record', async () => {
    const id = newBuildId()
    const project = path.join(dir, 'proj')
    await writeBuild(store, { ...record(id, project, 'running'), finishedAt: undefined, result: undefined })
    expect((await readBuild(store, id)).status).toBe('running')
    await writeBuild(store, record(id, project))
    expect(await readBuild(store, id)).toEqual(record(id, project))
    expect(await readdir(store.paths.builds)).toEqual([`${id}.json`])
  })

  it('lists newest first, by project, with a limit, skipping unreadable records', async () => {
    const p1 = path.join(dir, 'p1')
    const p2 = path.join(dir, 'p2')
    const ids = [0, 1, 2, 3, 4].map((i) => newBuildId(new Date(Date.UTC(2026, 0, 1, 0, 0, i))))
    for (const [i, id] of ids.entries()) await writeBuild(store, record(id, i % 2 === 0 ? p1 : p2))
    await writeFile(path.join(store.paths.builds, '29990101T000000000Z-broken.json'), '{not json')

    expect((await listBuilds(store)).map((r) => r.id)).toEqual([...ids].reverse())
    expect((await listBuilds(store, { project: p1 })).map((r) => r.id)).toEqual([ids[4], ids[2], ids[0]])
    // Project paths compare after resolving, so `p2/` and `p2/.` are the same project.
    expect((await listBuilds(store, { project: `${p2}/.` })).map((r) => r.id)).toEqual([ids[3], ids[1]])
    expect((await listBuilds(store, { limit: 2 })).map((r) => r.id)).toEqual([ids[4], ids[3]])
  })

  it('refuses ids that would leave the builds directory, and bad records', async () => {
    for (const id of ['../x', '..', 'a/b', 'a\\b', '', '.hidden']) {
      expect(() => buildRecordPath(store, id)).toThrow(/invalid build id/)
      await expect(readBuild(store, id)).rejects.toMatchObject({ code: 'invalid-argument' })
    }
    const id = newBuildId()
    await expect(writeBuild(store, { ...record(id, dir), status: 'done' as BuildRecord['status'] })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(writeBuild(store, { ...record(id, dir), result: { imageDigest: 'sha256:../x' } })).rejects.toMatchObject({ code: 'invalid-digest' })
    await expect(readBuild(store, id)).rejects.toMatchObject({ code: 'not-found' })
  })

  it('deletes a record', async () => {
    const id = newBuildId()
    await writeBuild(store, record(id, dir))
    expect(await deleteBuild(store, id)).toBe(true)
    expect(await deleteBuild(store, id)).toBe(false)
    expect(await listBuilds(store)).toEqual([])
  })
})
