import { ApiError } from '../../shared/errors'
import { ImageIoError } from '../image-io'
import { StoreError } from '../store'
import { AnalysisError } from './stored-image'

/**
 * The message for a `not-found` store error about `what` ("image app:1", "build 2026…"). When
 * the thing itself is missing (resolveImage's "no such image: …", a record file's "… not found")
 * the store's own words would only repeat `what`; a missing part (a layer or manifest blob)
 * is named, since that is news.
 */
export function notInStoreMessage(error: Error, what: string): string {
  if (/^no such image: | not found$/.test(error.message)) return `${what} is not in the store (it may have been pruned)`
  return `${what}: ${error.message}`
}

/** The user's words for a store or image problem reading `what`; anything else is passed on. */
export function storeProblem(error: unknown, what: string): never {
  if (error instanceof ApiError) throw error
  if ((error instanceof StoreError || error instanceof ImageIoError) && error.code === 'not-found') {
    throw new ApiError({ code: 'not-found', message: notInStoreMessage(error, what) })
  }
  if (error instanceof StoreError && (error.code === 'invalid-reference' || error.code === 'invalid-digest' || error.code === 'invalid-argument')) {
    throw new ApiError({ code: 'bad-request', message: `${what}: ${error.message}` })
  }
  if (error instanceof StoreError || error instanceof ImageIoError || error instanceof AnalysisError) {
    throw new ApiError({ code: 'internal', message: `could not read ${what}: ${error.message}` })
  }
  if (error instanceof Error && error.name === 'TarFormatError') {
    throw new ApiError({ code: 'internal', message: `a layer of ${what} is not a readable tar: ${error.message}` })
  }
  throw error
}
