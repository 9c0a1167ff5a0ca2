import { randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertDigest, digestHex, fsyncDir, type Store } from '../store'
import { extractSnapshot, type SnapshotExtractOptions } from './snapshot-extract'
import { INDEX_VERSION, LayerIndex, parseIndexFile, type IndexFile } from './snapshot-index'

/**
 * Extracted layers live in `<store>/snapshots/<diffID hex>/`: `rootfs/` is the layer's own tree
 * (whiteouts kept as `.wh.` marker files) and `index.json` what every entry is. Both appear in
 * one rename, so a snapshot directory that exists is complete. In-progress extractions are
 * `.tmp-<pid>-<random>/`, broken snapshots being removed `.trash-<pid>-<random>/`.
 */
export interface LayerRef {
  diffId: string
  /** The blob in the store (compressed or not) whose uncompressed content has that diffID. */
  digest: string
}

export interface SnapshotLocation {
  dir: string
  rootfsDir: string
  indexFile: string
}

const TEMP_PREFIX = '.tmp-'
const TRASH_PREFIX = '.trash-'
/** Parsed indexes kept in memory across views, counted in records (~100 bytes each). */
const MAX_CACHED_RECORDS = 2_000_000

export function snapshotLocation(store: Pick<Store, 'paths'>, diffId: string): SnapshotLocation {
  const dir = join(store.paths.snapshots, digestHex(assertDigest(diffId, 'diffID')))
  return { dir, rootfsDir: join(dir, 'rootfs'), indexFile: join(dir, 'index.json') }
}

export type SnapshotOptions = Omit<SnapshotExtractOptions, 'expectedDiffId'> & {
  /** Told when this call extracted the layer (not when the snapshot already existed). */
  onExtracted?: (report: { diffId: string; entries: number; tarBytes: number; fileBytes: number; ms: number }) => void
}

const loaded = new Map<string, LayerIndex>()
let loadedRecords = 0
const inflight = new Map<string, Promise<LayerIndex>>()

/**
 * The layer's snapshot, extracted on first use. Calls for the same layer in this process share
 * one extraction; other processes may extract it at the same time, and whichever renames its
 * copy into place first wins while the others discard theirs.
 */
export async function loadSnapshot(store: Store, layer: LayerRef, options: SnapshotOptions = {}): Promise<LayerIndex> {
  const location = snapshotLocation(store, layer.diffId)
  assertDigest(layer.digest, 'layer digest')
  const cached = loaded.get(location.dir)
  if (cached) {
    loaded.delete(location.dir) // re-insert: the map's order is the LRU order
    loaded.set(location.dir, cached)
    return cached
  }
  let pending = inflight.get(location.dir)
  if (!pending) {
    pending = ensureSnapshot(store, layer, location, options).finally(() => inflight.delete(location.dir))
    inflight.set(location.dir, pending)
  }
  return pending
}

async function ensureSnapshot(store: Store, layer: LayerRef, location: SnapshotLocation, options: SnapshotOptions): Promise<LayerIndex> {
  const existing = await readSnapshot(layer.diffId, location)
  if (existing !== 'broken' && existing !== undefined) return remember(location, existing)
  await prepareSnapshotsDir(store)
  if (existing === 'broken') await discard(store, location.dir)

  const temp = join(store.paths.snapshots, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
  const started = Date.now()
  let index: LayerIndex
  try {
    await mkdir(temp, { mode: 0o700 })
    await mkdir(join(temp, 'rootfs'), { mode: 0o755 })
    const blob = await store.openBlob(layer.digest)
    let file: IndexFile
    try {
      const contents = await extractSnapshot(blob, join(temp, 'rootfs'), { ...options, expectedDiffId: layer.diffId })
      file = {
        version: INDEX_VERSION,
        diffId: layer.diffId,
        entries: [...contents.entries],
        whiteouts: [...contents.whiteouts],
        opaque: [...contents.opaque],
        tarBytes: contents.tarBytes,
        fileBytes: contents.fileBytes,
      }
      options.onExtracted?.({ diffId: layer.diffId, entries: contents.entries.size, tarBytes: contents.tarBytes, fileBytes: contents.fileBytes, ms: Date.now() - started })
    } finally {
      blob.destroy()
    }
    await writeFile(join(temp, 'index.json'), JSON.stringify(file))
    index = new LayerIndex(layer.diffId, location.rootfsDir, file)
    try {
      await rename(temp, location.dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      // Another process finished first: use its copy, drop ours.
      await rm(temp, { recursive: true, force: true })
      const theirs = await readSnapshot(layer.diffId, location)
      if (theirs === undefined || theirs === 'broken') throw new Error(`snapshot ${location.dir} appeared but cannot be read`, { cause: error })
      return remember(location, theirs)
    }
    await fsyncDir(store.paths.snapshots)
  } catch (error) {
    await rm(temp, { recursive: true, force: true })
    throw error
  }
  return remember(location, index)
}

/** The snapshot on disk: undefined when absent, 'broken' when its index is missing or bad. */
async function readSnapshot(diffId: string, location: SnapshotLocation): Promise<LayerIndex | 'broken' | undefined> {
  let text: string
  try {
    text = await readFile(location.indexFile, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
    return (await stat(location.dir).catch(() => undefined)) ? 'broken' : undefined
  }
  const file = parseIndexFile(text, diffId)
  return file ? new LayerIndex(diffId, location.rootfsDir, file) : 'broken'
}

function remember(location: SnapshotLocation, index: LayerIndex): LayerIndex {
  loaded.set(location.dir, index)
  loadedRecords += index.size
  for (const [dir, old] of loaded) {
    if (loadedRecords <= MAX_CACHED_RECORDS || dir === location.dir) break
    loaded.delete(dir)
    loadedRecords -= old.size
  }
  return index
}

/** Move a broken snapshot out of the way in one rename, then delete it. */
async function discard(store: Store, dir: string): Promise<void> {
  const trash = join(store.paths.snapshots, `${TRASH_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
  try {
    await rename(dir, trash)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // someone else moved it
    throw error
  }
  await rm(trash, { recursive: true, force: true })
}

/**
 * Create `snapshots/` owner-only (it holds setuid binaries and device nodes of every image,
 * owned by root when extracted as root), and remove what extractions of dead processes left
 * behind (one readdir of a directory with an entry per layer, before each extraction).
 */
async function prepareSnapshotsDir(store: Store): Promise<void> {
  const dir = store.paths.snapshots
  await mkdir(dir, { recursive: true, mode: 0o700 })
  for (const name of await readdir(dir)) {
    if (!name.startsWith(TEMP_PREFIX) && !name.startsWith(TRASH_PREFIX)) continue
    const pid = Number(/^\.(?:tmp|trash)-(\d+)-/.exec(name)?.[1])
    if (pid === process.pid || (Number.isInteger(pid) && isAlive(pid))) continue
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Forget parsed indexes (tests; a snapshot removed behind this process's back). */
export function clearSnapshotCache(): void {
  loaded.clear()
  loadedRecords = 0
}
