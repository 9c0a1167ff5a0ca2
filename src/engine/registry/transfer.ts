/** What pull and push share: bounded parallel transfers and byte counting for progress. */

/** Docker's default for both directions: enough to fill a link, few enough to be polite. */
export const DEFAULT_CONCURRENCY = 3

/**
 * Runs `work` over `items`, `limit` at a time. The first failure aborts `controller` (so the
 * other transfers stop instead of finishing bytes nobody will use) and is the one thrown,
 * once every started transfer has settled and cleaned up after itself.
 */
export async function runLimited<T>(items: readonly T[], limit: number, controller: AbortController, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T
      try {
        await work(item)
      } catch (error) {
        if (failure === undefined) {
          failure = { error }
          controller.abort(error)
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure !== undefined) throw failure.error
}

/** Passes bytes through, telling `onBytes` the running total after each chunk. */
export async function* countingBytes(source: AsyncIterable<Uint8Array>, onBytes: (total: number) => void): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    onBytes(total)
    yield chunk
  }
}

/** An AbortSignal that fires when either does. */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b])
}
