import { readFile, readdir } from 'node:fs/promises'
import { JsonFileMemo } from './json-memo'
import { StoreError, hasErrnoCode } from './store-errors'

/**
 * The parsed cache entries and step records this process has read or written. A no-op rebuild
 * of a large context otherwise re-reads a few MB of JSON per build; the limit is on file text,
 * which the parsed values take a few times over in memory.
 */
export const storeJsonMemo = new JsonFileMemo({ maxEntries: 512, maxBytes: 16 * 1024 * 1024 })

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

/**
 * readJsonFile for files read again and again by one process (cache entries, step records): the
 * parsed value is reused while the file is unchanged, so it is shared and must not be mutated.
 */
export async function readJsonFileMemoized(file: string, what: string): Promise<unknown> {
  try {
    return await storeJsonMemo.read(file)
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) throw new StoreError('not-found', `${what} not found`)
    if (error instanceof SyntaxError) throw new StoreError('corrupt', `${file} is not JSON`, { cause: error })
    throw error
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
