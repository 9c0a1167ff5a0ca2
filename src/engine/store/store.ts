import { mkdir, readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { isTempFileName, writeJsonAtomic } from './atomic-write'
import { BlobStore, statIfExists } from './blob-store'
import { emptyIndex } from './oci-types'
import { StoreError, hasErrnoCode } from './store-errors'
import { withStoreLock } from './store-lock'

export interface StorePaths {
  root: string
  ociLayout: string
  index: string
  blobs: string
  tmp: string
  /** cache/<key hex>.json: one file per cache key. */
  cache: string
  /** cache/steps/<sha256 of step identity>.json: the inputs each step last ran with. */
  cacheSteps: string
  builds: string
  /** Extracted layer snapshots keyed by diffID; owned by the layers module, never touched here. */
  snapshots: string
  lock: string
}

/**
 * One store directory. It is a valid OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/`), so external tools can read it; Layerlab's own metadata lives beside the
 * layout in directories those tools ignore.
 */
export class Store extends BlobStore {
  readonly dir: string
  readonly paths: StorePaths

  constructor(dir: string) {
    const root = path.resolve(dir)
    super(root)
    this.dir = root
    this.paths = {
      root,
      ociLayout: path.join(root, 'oci-layout'),
      index: path.join(root, 'index.json'),
      blobs: this.blobsDir,
      tmp: this.tempDir,
      cache: path.join(root, 'cache'),
      cacheSteps: path.join(root, 'cache', 'steps'),
      builds: path.join(root, 'builds'),
      snapshots: path.join(root, 'snapshots'),
      lock: path.join(root, 'store.lock'),
    }
  }
}

export const OCI_LAYOUT = { imageLayoutVersion: '1.0.0' }

/** Files a file manager drops into any folder it shows; they do not make a directory someone's data. */
const DESKTOP_FILES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini'])

/**
 * Opens the store in `dir`, creating the layout if it is missing. A directory that has content
 * but no `oci-layout` is refused: pointing `--store` at a home directory must not scatter
 * `blobs/` and `index.json` into it.
 */
export async function openStore(dir: string): Promise<Store> {
  const store = new Store(dir)
  const { paths } = store
  await mkdir(paths.root, { recursive: true })

  const layout = await readLayoutFile(paths.ociLayout)
  if (layout === undefined) {
    const foreign = (await readdir(paths.root)).filter((name) => !isTempFileName(name) && !DESKTOP_FILES.has(name))
    if (foreign.length > 0) {
      throw new StoreError(
        'invalid-store',
        `${paths.root} is not empty and is not a Layerlab store (no oci-layout file); choose an empty or new directory`,
      )
    }
    // Written first: it is what marks the directory as ours if we crash halfway through.
    await writeJsonAtomic(paths.ociLayout, OCI_LAYOUT)
  } else if (!/^1\.\d+\.\d+$/.test(String((layout as { imageLayoutVersion?: unknown }).imageLayoutVersion))) {
    throw new StoreError('invalid-store', `${paths.ociLayout}: unsupported imageLayoutVersion ${JSON.stringify(layout)}`)
  }

  for (const sub of [paths.blobs, paths.tmp, paths.cacheSteps, paths.builds]) await mkdir(sub, { recursive: true })

  if (!(await exists(paths.index))) {
    // Under the lock so a concurrent first open cannot overwrite tags another process just wrote.
    await withStoreLock(store, async () => {
      if (!(await exists(paths.index))) await writeJsonAtomic(paths.index, emptyIndex())
    })
  }
  return store
}

async function readLayoutFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return undefined
    throw error
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new StoreError('invalid-store', `${file} is not JSON`)
  }
}

async function exists(file: string): Promise<boolean> {
  return (await statIfExists(file)) !== undefined
}
