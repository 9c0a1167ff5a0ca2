import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeTar, writeLayer, type LayerEntry, type TarHeader } from '../layers'
import { StoreError, openStore, type Store } from '../store'
import type * as SnapshotsModule from './snapshots'
import { UnsupportedLayerError, clearSnapshotCache, loadSnapshot, openRootfs, snapshotLocation } from '.'

const run = promisify(execFile)
const m = { mode: 0o755, uid: 0, gid: 0, mtime: 1700000000 }
const bytes = (text: string) => ({ size: Buffer.byteLength(text), content: { from: 'bytes' as const, bytes: Buffer.from(text) } })
const simple: LayerEntry[] = [
  { type: 'dir', path: 'app', ...m },
  { type: 'file', path: 'app/main.js', ...m, mode: 0o644, ...bytes('console.log(1)\n') },
]

let work = ''
let counter = 0
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'layerlab-snapshots-'))
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})
beforeEach(() => clearSnapshotCache())

async function newStore(): Promise<Store> {
  return openStore(join(work, `store-${counter++}`))
}

async function putLayer(store: Store, entries: LayerEntry[]): Promise<{ diffId: string; digest: string }> {
  const path = join(work, `layer-${counter++}.tar.gz`)
  const { diffId, digest } = await writeLayer(entries, path)
  await store.putBlobFromStream(createReadStream(path), { digest })
  return { diffId, digest }
}

/** An uncompressed tar exactly as given: names, order and links no writer of ours would produce. */
async function putRawLayer(store: Store, members: (Omit<TarHeader, 'size' | 'mtime' | 'uid' | 'gid' | 'mode'> & { data?: string; mode?: number })[]): Promise<{ diffId: string; digest: string }> {
  const chunks: Buffer[] = []
  const prepared = members.map(({ data, ...header }) => ({
    key: Buffer.alloc(0),
    header: { mode: 0o755, uid: 0, gid: 0, mtime: 1700000000, ...header, size: data === undefined ? 0 : Buffer.byteLength(data) },
    ...(data === undefined ? {} : { content: { from: 'bytes' as const, bytes: Buffer.from(data) } }),
  }))
  for await (const chunk of encodeTar(prepared)) chunks.push(chunk)
  const tar = Buffer.concat(chunks)
  const { digest } = await store.putBlob(tar)
  return { diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}`, digest }
}

const listSnapshots = async (store: Store): Promise<string[]> => (await readdir(store.paths.snapshots)).sort()

describe('layer snapshots', () => {
  it('extracts a layer once for concurrent opens in one process', async () => {
    const store = await newStore()
    const layer = await putLayer(store, simple)
    const extracted: string[] = []
    const onExtracted = ({ diffId }: { diffId: string }): void => void extracted.push(diffId)
    const [a, b] = await Promise.all([openRootfs(store, [layer], { onExtracted }), openRootfs(store, [layer], { onExtracted })])
    expect(extracted).toEqual([layer.diffId])
    expect((await a.readFile('/app/main.js'))?.toString()).toBe('console.log(1)\n')
    expect(await b.readdir('/app')).toEqual(['main.js'])
    expect(await listSnapshots(store)).toEqual([snapshotLocation(store, layer.diffId).dir.split('/').pop()])
  })

  it('survives two processes extracting the same layer at once: one snapshot, no leftovers', async () => {
    const store = await newStore()
    const layer = await putLayer(store, simple)
    const script = join(work, 'open-layer.mts')
    const index = fileURLToPath(new URL('./index.ts', import.meta.url))
    await writeFile(
      script,
      `import { openStore } from ${JSON.stringify(fileURLToPath(new URL('../store/index.ts', import.meta.url)))}
import { openRootfs } from ${JSON.stringify(index)}
const store = await openStore(process.argv[2])
const view = await openRootfs(store, [{ diffId: process.argv[3], digest: process.argv[4] }])
process.stdout.write(String(await view.readFile('/app/main.js')))
`,
    )
    const child = () => run(process.execPath, ['--import', 'tsx', script, store.dir, layer.diffId, layer.digest], { cwd: process.cwd() })
    const results = await Promise.all([child(), child(), child()])
    for (const { stdout } of results) expect(stdout).toBe('console.log(1)\n')
    expect(await listSnapshots(store)).toEqual([snapshotLocation(store, layer.diffId).dir.split('/').pop()])
  }, 60_000)

  it('lets the first of two concurrent extractions win the rename and the other discard its copy', async () => {
    const store = await newStore()
    const many: LayerEntry[] = [{ type: 'dir', path: 'd', ...m }]
    for (let i = 0; i < 300; i++) many.push({ type: 'file', path: `d/f${i}`, ...m, ...bytes(`file ${i}\n`) })
    const layer = await putLayer(store, many)
    // A second copy of the module has its own in-process bookkeeping: to it, the first is another process.
    vi.resetModules()
    const other = (await import('./snapshots')) as typeof SnapshotsModule
    let extracted = 0
    const onExtracted = (): void => void extracted++
    const [a, b] = await Promise.all([loadSnapshot(store, layer, { onExtracted }), other.loadSnapshot(store, layer, { onExtracted })])
    expect(extracted).toBe(2)
    expect(a.size).toBe(301)
    expect(b.size).toBe(301)
    expect(await listSnapshots(store)).toEqual([snapshotLocation(store, layer.diffId).dir.split('/').pop()])
  })

  it('fails cleanly on a blob whose content does not match the diffID, leaving nothing behind', async () => {
    const store = await newStore()
    const good = await putLayer(store, simple)
    const other = await putLayer(store, [{ type: 'file', path: 'x', ...m, ...bytes('x') }])
    const lying = { diffId: good.diffId, digest: other.digest }
    const error = await openRootfs(store, [lying]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('digest-mismatch')
    expect(await listSnapshots(store)).toEqual([])
    // The right blob still extracts afterwards.
    expect(await (await openRootfs(store, [good])).readdir('/app')).toEqual(['main.js'])
  })

  it('re-extracts a snapshot whose index went missing, and clears leftovers of dead processes', async () => {
    const store = await newStore()
    const layer = await putLayer(store, simple)
    await openRootfs(store, [layer])
    clearSnapshotCache()
    await unlink(snapshotLocation(store, layer.diffId).indexFile)
    await mkdir(join(store.paths.snapshots, '.tmp-999999999-abc', 'rootfs'), { recursive: true })
    let extracted = 0
    const view = await openRootfs(store, [layer], { onExtracted: () => void extracted++ })
    expect(extracted).toBe(1)
    expect(await view.readdir('/app')).toEqual(['main.js'])
    expect(await listSnapshots(store)).toEqual([snapshotLocation(store, layer.diffId).dir.split('/').pop()])
  })

  it('reads plain (uncompressed) tars, follows the layer’s own symlinks as a chroot, refuses escapes', async () => {
    const store = await newStore()
    const layer = await putRawLayer(store, [
      { name: 'real/', type: 'dir' },
      { name: 'link', type: 'symlink', linkname: '/../real', mode: 0o777 },
      { name: 'link/through', type: 'file', data: 'through\n', mode: 0o644 },
      { name: 'implied/deep/file', type: 'file', data: 'deep\n', mode: 0o600, uid: 7 } as never,
    ])
    const view = await openRootfs(store, [layer])
    expect(await view.lookup('/real/through')).toMatchObject({ type: 'file', size: 8 })
    expect(await view.lookup('/implied/deep')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0 })
    expect(await view.lookup('/implied/deep/file')).toMatchObject({ mode: 0o600 })

    const escaping = await putRawLayer(store, [{ name: '../outside', type: 'file', data: 'no' }])
    await expect(openRootfs(store, [escaping])).rejects.toThrow(/refusing the name.*climbs above the layer root/)
    expect((await listSnapshots(store)).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('copies a hard link to a file of a lower layer, which the layer itself does not hold', async () => {
    const store = await newStore()
    const lower = await putLayer(store, simple)
    const upper = await putRawLayer(store, [{ name: 'app/again.js', type: 'hardlink', linkname: 'app/main.js' }])
    const view = await openRootfs(store, [lower, upper])
    expect((await view.readFile('/app/again.js'))?.toString()).toBe('console.log(1)\n')
    expect(await view.lookup('/app/again.js')).toMatchObject({ mode: 0o644, size: 15 })
  })

  it('refuses a layer that writes below a lower layer’s symlink rather than showing it wrongly', async () => {
    const store = await newStore()
    const lower = await putLayer(store, [{ type: 'dir', path: 'opt', ...m }, { type: 'symlink', path: 'local', linkTarget: '/opt', ...m }])
    const upper = await putRawLayer(store, [{ name: 'local/bin/x', type: 'file', data: 'x' }])
    await expect(openRootfs(store, [lower, upper])).rejects.toBeInstanceOf(UnsupportedLayerError)
    // With the parent directories present (as Docker writes layers) an implied dir is fine.
    const fine = await putRawLayer(store, [{ name: 'opt/new/x', type: 'file', data: 'x' }])
    const view = await openRootfs(store, [lower, fine])
    expect(await view.lookup('/local/new/x', { followFinal: true })).toMatchObject({ realPath: '/opt/new/x' })
    expect(await view.lookup('/opt')).toMatchObject({ mode: 0o755, mtime: 1700000000 })
  })

  it('loads a snapshot a second time from its index without extracting', async () => {
    const store = await newStore()
    const layer = await putLayer(store, simple)
    await loadSnapshot(store, layer)
    clearSnapshotCache()
    let extracted = 0
    const index = await loadSnapshot(store, layer, { onExtracted: () => void extracted++ })
    expect(extracted).toBe(0)
    expect([...index.records.keys()]).toEqual(['app', 'app/main.js'])
  })
})
