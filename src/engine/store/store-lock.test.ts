import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { putImage, tagImage } from './images'
import { readIndex } from './oci-layout'
import type { Descriptor } from './oci-types'
import type { Store } from './store'
import { openStore } from './store'
import { withStoreLock } from './store-lock'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '../../..')

let dir: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-lock-'))
  store = await openStore(path.join(dir, 'store'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs a TypeScript module in a separate Node process (through tsx), resolving with its stdout. */
function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))))
  })
}

async function someImage(): Promise<Descriptor> {
  const l = await store.putBlob('layer')
  return (await putImage(store, { config: {}, layers: [l] })).manifest
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid as number
}

const lockOwner = (pid: number, hostname = os.hostname()): string =>
  JSON.stringify({ pid, hostname, startedAt: new Date().toISOString(), token: 'someone-else' })

describe('store lock', () => {
  it('loses no tag when two processes and this one tag concurrently', async () => {
    const perWorker = 40
    const script = path.join(dir, 'tagger.mts')
    await writeFile(
      script,
      `import { openStore, putImage } from ${JSON.stringify(pathToFileURL(path.join(here, 'index.ts')).href)}
const [storeDir, name, count, startAt] = process.argv.slice(2)
const store = await openStore(storeDir)
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5))
for (let i = 0; i < Number(count); i++) {
  const layer = await store.putBlob(name + ' layer ' + i)
  await putImage(store, { config: { created: name + i }, layers: [layer], tags: [name + ':' + i] })
}
console.log('done')
`,
    )
    const startAt = String(Date.now() + 2500)
    const parent = (async () => {
      while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5))
      const manifest = await someImage()
      for (let i = 0; i < perWorker; i++) await tagImage(store, manifest, [`parent:${i}`])
    })()
    const outputs = await Promise.all([
      runChild(script, [store.dir, 'alpha', String(perWorker), startAt]),
      runChild(script, [store.dir, 'beta', String(perWorker), startAt]),
      parent,
    ])
    expect(outputs.slice(0, 2).map((o) => o?.trim())).toEqual(['done', 'done'])

    const names = (await readIndex(store)).manifests.map((d) => d.annotations?.['io.layerlab.image.name'])
    expect(names).toHaveLength(3 * perWorker)
    for (const worker of ['alpha', 'beta', 'parent']) {
      for (let i = 0; i < perWorker; i++) expect(names).toContain(`docker.io/library/${worker}:${i}`)
    }
    await expect(stat(store.paths.lock)).rejects.toMatchObject({ code: 'ENOENT' })
  }, 60_000)

  it('serializes callers in one process and lets a holder nest', async () => {
    const manifest = await someImage()
    await Promise.all(Array.from({ length: 30 }, (_, i) => tagImage(store, manifest, [`many:${i}`])))
    expect((await readIndex(store)).manifests).toHaveLength(30)

    let inside = 0
    let most = 0
    const critical = async (): Promise<void> => {
      inside += 1
      most = Math.max(most, inside)
      await new Promise((r) => setTimeout(r, 5))
      // A nested acquisition by the holder must not wait for itself.
      await withStoreLock(store, async () => undefined)
      inside -= 1
    }
    await Promise.all(Array.from({ length: 10 }, () => withStoreLock(store, critical)))
    expect(most).toBe(1)
  })

  it('releases the lock when the critical section throws', async () => {
    await expect(withStoreLock(store, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(stat(store.paths.lock)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await withStoreLock(store, async () => 'again')).toBe('again')
  })

  it('waits for a live holder and names it when giving up', async () => {
    await writeFile(store.paths.lock, lockOwner(process.ppid))
    await expect(withStoreLock(store, async () => 'never', { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'lock-timeout',
      message: expect.stringContaining(`process ${process.ppid} on ${os.hostname()}`),
    })
    // Released by its holder while we wait: we get it.
    setTimeout(() => void rm(store.paths.lock), 100)
    expect(await withStoreLock(store, async () => 'got it', { timeoutMs: 5000 })).toBe('got it')
  })

  it('breaks a lock whose holder on this host is dead', async () => {
    await writeFile(store.paths.lock, lockOwner(await deadPid()))
    const started = Date.now()
    expect(await withStoreLock(store, async () => 'took over', { timeoutMs: 5000 })).toBe('took over')
    expect(Date.now() - started).toBeLessThan(2000)
    await expect(stat(store.paths.lock)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('breaks a lock from another host only once it has gone stale', async () => {
    await writeFile(store.paths.lock, lockOwner(1, 'elsewhere'))
    await expect(withStoreLock(store, async () => 'never', { timeoutMs: 150, staleMs: 60_000 })).rejects.toMatchObject({ code: 'lock-timeout' })
    const old = new Date(Date.now() - 120_000)
    await utimes(store.paths.lock, old, old)
    expect(await withStoreLock(store, async () => 'stale broken', { timeoutMs: 5000, staleMs: 60_000 })).toBe('stale broken')
  })

  it('treats an empty lock file as held until it is old', async () => {
    await writeFile(store.paths.lock, '')
    await expect(withStoreLock(store, async () => 'never', { timeoutMs: 150 })).rejects.toMatchObject({ code: 'lock-timeout' })
    const old = new Date(Date.now() - 120_000)
    await utimes(store.paths.lock, old, old)
    expect(await withStoreLock(store, async () => 'ok', { timeoutMs: 5000 })).toBe('ok')
  })

  it('writes who holds it into the lock file and keeps it fresh', async () => {
    const seen = await withStoreLock(
      store,
      async () => {
        const first = await stat(store.paths.lock)
        await new Promise((r) => setTimeout(r, 700))
        const later = await stat(store.paths.lock)
        return { owner: JSON.parse(await readFile(store.paths.lock, 'utf8')) as Record<string, unknown>, refreshed: later.mtimeMs > first.mtimeMs }
      },
      { staleMs: 750 },
    )
    expect(seen.owner).toMatchObject({ pid: process.pid, hostname: os.hostname(), token: expect.any(String), startedAt: expect.any(String) })
    expect(seen.refreshed).toBe(true)
  })
})
