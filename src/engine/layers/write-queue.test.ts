import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { WriteQueue } from './write-queue'

describe('WriteQueue', () => {
  it('keeps at most `limit` tasks running and orders tasks on the same path', async () => {
    const queue = new WriteQueue(3)
    let running = 0
    let peak = 0
    const log: string[] = []
    const task = (name: string, ms: number) => async () => {
      peak = Math.max(peak, ++running)
      await sleep(ms)
      log.push(name)
      running--
    }
    for (let i = 0; i < 10; i++) await queue.add(`p${i}`, task(`p${i}`, 5))
    await queue.add('same', task('same-1', 20))
    await queue.add('same', task('same-2', 1))
    await queue.drain()
    expect(peak).toBe(3)
    expect(log.indexOf('same-1')).toBeLessThan(log.indexOf('same-2'))
    expect(log).toHaveLength(12)
  })

  it('reports a failed task at the next call, and settle() waits without throwing', async () => {
    const queue = new WriteQueue(2)
    await queue.add('bad', async () => {
      await sleep(1)
      throw new Error('disk full')
    })
    await queue.add('slow', () => sleep(10))
    await expect(queue.drain()).rejects.toThrow('disk full')
    await expect(queue.waitFor('other')).rejects.toThrow('disk full')
    await expect(queue.settle()).resolves.toBeUndefined()
  })
})
