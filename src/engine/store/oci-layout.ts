import { readFile } from 'node:fs/promises'
import { writeJsonAtomic } from './atomic-write'
import type { ImageIndex } from './oci-types'
import { asIndex, emptyIndex } from './oci-types'
import type { Store } from './store'
import { StoreError, hasErrnoCode } from './store-errors'
import type { StoreLockOptions } from './store-lock'
import { withStoreLock } from './store-lock'

/** The layout's `index.json`: every tagged manifest. A missing file reads as an empty index. */
export async function readIndex(store: Store): Promise<ImageIndex> {
  let text: string
  try {
    text = await readFile(store.paths.index, 'utf8')
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return emptyIndex()
    throw error
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new StoreError('corrupt', `${store.paths.index} is not JSON`, { cause: error })
  }
  return asIndex(value, store.paths.index)
}

/**
 * Read-modify-write of index.json under the store lock, replaced atomically, so two processes
 * tagging at once both keep their tags. `change` edits the index in place and may return a
 * value for the caller; it must not do slow work, since every other writer waits for it.
 */
export async function updateIndex<T>(store: Store, change: (index: ImageIndex) => T | Promise<T>, options?: StoreLockOptions): Promise<T> {
  return withStoreLock(
    store,
    async () => {
      const index = await readIndex(store)
      const result = await change(index)
      await writeJsonAtomic(store.paths.index, index)
      return result
    },
    options,
  )
}
