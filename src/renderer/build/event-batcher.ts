/**
 * Gathers pushed events into batches for one render each. After a quiet spell the first event
 * goes out at once (a step starting shows on the next frame, not `batchMs` later); while events
 * keep coming, batches leave at most once per `batchMs`, so a log flood still costs a few
 * renders a second. An `urgent` event (a step starting or finishing: a handful per build) does
 * not wait for the interval, taking whatever is queued with it.
 */
export function createEventBatcher<T>(
  deliver: (batch: T[]) => void,
  batchMs: number,
  urgent: (event: T) => boolean = () => false,
  clock: { now: () => number; setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (timer: unknown) => void } = {
    now: () => performance.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  },
): { push: (event: T) => void; dispose: () => void } {
  let queue: T[] = []
  let timer: unknown
  let lastFlush = -Infinity
  const flush = (): void => {
    timer = undefined
    lastFlush = clock.now()
    const batch = queue
    queue = []
    deliver(batch)
  }
  return {
    push(event) {
      queue.push(event)
      const now = urgent(event)
      if (timer !== undefined) {
        if (!now) return
        clock.clearTimeout(timer)
      }
      // A zero-delay task rather than a synchronous flush: events that arrive together (one
      // WebSocket read) still form one batch.
      timer = clock.setTimeout(flush, now ? 0 : Math.max(0, lastFlush + batchMs - clock.now()))
    },
    dispose() {
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
  }
}
