import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLayerlab } from '../cli.test-support'
import type { CompareView } from '../../shared/compare-api'

const layerlab = (...args: string[]) => runLayerlab(args)

let root = ''
let store = ''
let project = ''
const buildIds: string[] = []

/** Builds the project with the CLI; returns the build id from the JSON progress. */
function build(tag: string): string {
  const r = layerlab('build', '--store', store, '--progress', 'json', '-t', tag, project)
  expect(r.code, r.stderr).toBe(0)
  const started = JSON.parse(r.stdout.split('\n')[0] ?? '{}') as { buildId?: string }
  if (!started.buildId) throw new Error(`no build id in ${r.stdout.slice(0, 200)}`)
  return started.buildId
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'layerlab-cli-diff-'))
  store = path.join(root, 'store')
  project = path.join(root, 'project')
  mkdirSync(path.join(project, 'conf'), { recursive: true })
  writeFileSync(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY app.txt /app/app.txt\nCOPY conf /etc/app\nCOPY big.bin /data/big.bin\n')
  writeFileSync(path.join(project, 'app.txt'), 'app\n')
  writeFileSync(path.join(project, 'conf', 'main.conf'), 'level=1\n')
  writeFileSync(path.join(project, 'conf', 'old.conf'), 'old\n')
  writeFileSync(path.join(project, 'big.bin'), Buffer.alloc(40_000, 1))
  buildIds.push(build('demo:1'))
  writeFileSync(path.join(project, 'conf', 'main.conf'), `level=2\n${'#'.repeat(2000)}\n`)
  rmSync(path.join(project, 'conf', 'old.conf'))
  for (let i = 0; i < 30; i++) writeFileSync(path.join(project, 'conf', `extra-${String(i).padStart(2, '0')}.conf`), `n=${i}\n`)
  buildIds.push(build('demo:2'))
}, 120_000)

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('layerlab diff', () => {
  it('prints the aligned layers with size deltas and the changed layer’s files, long lists cut with a count', () => {
    const r = layerlab('diff', '--store', store, buildIds[0] as string, buildIds[1] as string)
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^A: build \S+ \([0-9a-f]{12}\), 3 layers, [\d.]+kB$/)
    const table = lines.slice(lines.indexOf('') + 1)
    expect(table[0]).toMatch(/^A\s+B\s+STATUS\s+SIZE A\s+SIZE B\s+DELTA\s+INSTRUCTION$/)
    expect(table[1]).toMatch(/^0\s+0\s+same\s+\S+\s+\S+\s+0B\s+COPY app.txt \/app\/app.txt$/)
    // 2 KB more in main.conf, 30 small files added, old.conf gone: the tar grows by whole blocks.
    expect(table[2]).toMatch(/^1\s+1\s+changed\s+\S+\s+\S+\s+\+\d[\d.]*kB\s+COPY conf \/etc\/app$/)
    // Rebuilt after the changed layer: the same bytes, unless the build crossed a second (mtimes).
    expect(table[3]).toMatch(/^2\s+2\s+(same|rebuilt)\s+.*COPY big.bin \/data\/big.bin$/)
    expect(table[4]).toMatch(/^\s+total\s+\S+\s+\S+\s+\+\d[\d.]*kB$/)
    expect(r.stdout).toContain('layer 1 → 1: COPY conf /etc/app\n  1 changed, 30 added, 1 removed')
    expect(r.stdout).toMatch(/\n {2}~ etc\/app\/main.conf {2}8B → 2.01kB {2}\((size, content|content, size)\)\n/)
    // 20 entries are listed by default: the changed one, then 19 of the added ones.
    expect(r.stdout).toContain('  + etc/app/extra-00.conf  4B')
    expect(r.stdout).toContain('  + etc/app/extra-18.conf  5B')
    expect(r.stdout).not.toContain('extra-19.conf')
    expect(r.stdout).toContain('  … and 12 more (--limit N or --json to see them)')
  })

  it('compares store images by tag, and prints everything as JSON', () => {
    const r = layerlab('diff', '--store', store, '--json', 'demo:1', 'demo:2')
    expect(r.code, r.stderr).toBe(0)
    const view = JSON.parse(r.stdout) as CompareView
    expect(view.a.source).toBe('image')
    expect(view.rows.map((row) => row.status)).toEqual(['same', 'changed', expect.stringMatching(/^(same|rebuilt)$/)])
    const files = view.rows[1]?.files
    expect(files?.counts).toMatchObject({ changed: 1, added: 30, removed: 1 })
    expect(files?.more).toBe(0)
    expect(files?.entries.find((e) => e.change === 'removed')?.path).toBe('etc/app/old.conf')
    expect(view.totalDelta).toBe(view.rows.reduce((sum, row) => sum + row.sizeDelta, 0))
    expect(view.totalDelta).toBeGreaterThan(30 * 512)
  })

  it('says clearly what is wrong', () => {
    expect(layerlab('diff', '--store', store, 'demo:1')).toMatchObject({ code: 2, stderr: expect.stringContaining('layerlab diff needs two images: A B') })
    const missing = layerlab('diff', '--store', store, 'demo:1', 'nope:1')
    expect(missing).toMatchObject({ code: 1, stderr: 'layerlab: image nope:1 is not in the store (it may have been pruned)\n' })
    expect(layerlab('diff', '--store', store, '--limit', 'lots', 'demo:1', 'demo:2')).toMatchObject({ code: 2, stderr: expect.stringContaining('--limit must be a number') })
  })
})
