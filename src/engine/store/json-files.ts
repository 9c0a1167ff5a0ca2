import { readFile, readdir } from 'node:fs/promises'
import { StoreError, hasErrnoCode } from './store-errors'

/** Reads one of the store's own small JSON files; `what` names it in the `not-found` message. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) throw new StoreError('not-found', `${what} not found`)
    throw error
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new StoreError('corrupt', `${file} is not JSON`, { cause: error })
  }
}

/** A directory that does not exist yet lists as empty: the store creates its parts lazily. */
export async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return []
    throw error
  }
}
