import { requestNames, type ApiHandlers } from './contract'
import { ApiError } from './errors'

/** Handlers for tests that exercise a few calls: the rest fail loudly if anything calls them. */
export function stubHandlers(partial: Partial<ApiHandlers>): ApiHandlers {
  const handlers: Record<string, unknown> = {}
  for (const name of requestNames) {
    handlers[name] =
      partial[name] ??
      (async () => {
        throw new ApiError({ code: 'internal', message: `${name} is not stubbed in this test` })
      })
  }
  return handlers as ApiHandlers
}
