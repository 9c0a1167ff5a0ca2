import { describe, expect, it } from 'vitest'
import { createEventBatcher } from './event-batcher'

/** A hand-driven clock: timers fire only when `advance` passes their time. */
function manualClock() {
  let now = 0
  let timers: { at: number; fn: () => void; id: number }[] = []
  let ids = 0
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++ids
      timers.push({ at: now + ms, fn, id })
      return id
    },
    clearTimeout: (id: unknown) => {
      timers = timers.filter((t) => t.id !== id)
    },
    advance(ms: number) {
      const until = now + ms
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
        if (!next) break
        now = next.at
        timers = timers.filter((t) => t !== next)
        next.fn()
      }
      now = until
    },
  }
}

describe('build event batching', () => {
  it('delivers the first event after a quiet spell on the next task, not a batch interval later', () => {
    const clock = manualClock()
    const batches: number[][] = []
    const b = createEventBatcher<number>((x) => batches.push(x), 32, undefined, clock)
    b.push(1)
    b.push(2) // arrived with the first: same batch
    clock.advance(0)
    expect(batches).toEqual([[1, 2]])
    clock.advance(500)
    b.push(3)
    clock.advance(0)
    expect(batches).toEqual([[1, 2], [3]])
  })

  it('coalesces a flood into at most one delivery per interval, losing nothing', () => {
    const clock = manualClock()
    const batches: number[][] = []
    const b = createEventBatcher<number>((x) => batches.push(x), 32, undefined, clock)
    for (let i = 0; i < 1000; i++) {
      b.push(i)
      clock.advance(0.1) // 10,000 events a second for 100 ms
    }
    clock.advance(100)
    expect(batches.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(batches.length).toBeLessThanOrEqual(5)
  })

  it('does not hold an urgent event back for the interval, and takes the queued ones with it', () => {
    const clock = manualClock()
    const batches: number[][] = []
    // Negative numbers stand for step transitions, positive ones for log lines.
    const b = createEventBatcher<number>((x) => batches.push(x), 32, (n) => n < 0, clock)
    b.push(1)
    clock.advance(0)
    b.push(2) // a log line right after a delivery waits for the interval…
    clock.advance(1)
    expect(batches).toEqual([[1]])
    b.push(-1) // …unless a step starts: it goes out at once, with the line before it
    clock.advance(0)
    expect(batches).toEqual([[1], [2, -1]])
    clock.advance(100)
    expect(batches.flat()).toEqual([1, 2, -1])
  })

  it('delivers nothing after it is disposed', () => {
    const clock = manualClock()
    const batches: number[][] = []
    const b = createEventBatcher<number>((x) => batches.push(x), 32, undefined, clock)
    b.push(1)
    b.dispose()
    clock.advance(100)
    expect(batches).toEqual([])
  })
})
