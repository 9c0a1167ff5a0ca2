import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isTempFileName, writeFileAtomic, writeJsonAtomic } from './atomic-write'
import { readIndex } from './oci-layout'
import { openStore } from './store'
import { checkStore } from './store-check'
import { findTempFiles } from './temp-files'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '../../..')

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-atomic-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('writeFileAtomic', () => {
  it('replaces the target and leaves no temp file', async () => {
    const target = path.join(dir, 'index.json')
    await writeFile(target, 'old')
    await writeFileAtomic(target, 'new content')
    await writeJsonAtomic(path.join(dir, 'x.json'), { a: 1 })
    expect(await readFile(target, 'utf8')).toBe('new content')
    expect((await readdir(dir)).sort()).toEqual(['index.json', 'x.json'])
  })

  it('cleans up its temp file when the target cannot be written', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing-dir', 'x'), 'data')).rejects.toMatchObject({ code: 'ENOENT' })
    // Renaming a file over a directory fails after the temp file was written.
    const target = path.join(dir, 'a-directory')
    await mkdir(target)
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow()
    expect((await readdir(dir)).filter(isTempFileName)).toEqual([])
  })

  it('never shows a half-written store after a process is killed mid-write', async () => {
    const storeDir = path.join(dir, 'store')
    const script = path.join(dir, 'writer.mts')
    await writeFile(
      script,
      `import { openStore, putImage, writeJsonAtomic } from ${JSON.stringify(pathToFileURL(path.join(here, 'index.ts')).href)}
import path from 'node:path'
const store = await openStore(process.argv[2])
const big = (n) => JSON.stringify({ version: n, padding: 'x'.repeat(4 << 20) })
// An endless blob (never completes), image tags and a big metadata file, all at once.
async function* endless() { for (;;) { yield Buffer.alloc(1 << 16, 7); await new Promise((r) => setImmediate(r)) } }
void store.putBlobFromStream(endless())
let n = 0
process.stdout.write('started\\n')
for (;;) {
  n += 1
  await writeJsonAtomic(path.join(store.dir, 'cache', 'big.json'), JSON.parse(big(n)))
  const layer = await store.putBlob('layer ' + n)
  await putImage(store, { config: { n }, layers: [layer], tags: ['app:' + (n % 5)] })
}
`,
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script, storeDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve())
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)))
    })
    await new Promise((r) => setTimeout(r, 400 + Math.random() * 400))
    child.kill('SIGKILL')
    await new Promise((r) => child.on('exit', r))

    const store = await openStore(storeDir)
    // Metadata is whole: either some complete version or none.
    const big = JSON.parse(await readFile(path.join(storeDir, 'cache', 'big.json'), 'utf8')) as { version: number; padding: string }
    expect(big.padding).toHaveLength(4 << 20)
    expect((await readIndex(store)).manifests.length).toBeGreaterThan(0)

    // Fresh temp files belong to writes that might still be running: not a problem yet.
    const fresh = await checkStore(store)
    expect(fresh.problems).toEqual([])
    expect(fresh.ok).toBe(true)

    // The blob that was being written exists only as a temp file; aged, it is reported...
    const temps = await findTempFiles(store)
    expect(temps.filter((t) => path.dirname(t.path) === store.paths.tmp).length).toBeGreaterThan(0)
    const old = new Date(Date.now() - 2 * 3600_000)
    for (const t of temps) await utimes(t.path, old, old)
    const aged = await checkStore(store)
    expect(aged.ok).toBe(false)
    expect(new Set(aged.problems.map((p) => p.kind))).toEqual(new Set(['stale-temp']))

    // ...and removable, after which the store checks clean.
    const cleaned = await checkStore(store, { removeStaleTemps: true })
    expect(cleaned.ok).toBe(true)
    expect(cleaned.problems.every((p) => p.fixed)).toBe(true)
    expect(await readdir(store.paths.tmp)).toEqual([])
    expect((await checkStore(store)).problems).toEqual([])
  }, 30_000)
})
