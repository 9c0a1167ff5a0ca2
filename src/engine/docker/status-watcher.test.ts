import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DockerStatus } from '../../shared/engine-info'
import { DockerStatusWatcher } from './status-watcher'

const down: DockerStatus = { available: false, host: 'unix:///s', reason: 'no socket' }
const up: DockerStatus = { available: true, host: 'unix:///s', version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'amd64' }

afterEach(() => vi.useRealTimers())

describe('DockerStatusWatcher', () => {
  it('reports the first status and then only changes', async () => {
    vi.useFakeTimers()
    const answers = [down, down, up, up, down]
    const seen: DockerStatus[] = []
    const watcher = new DockerStatusWatcher({
      probe: async () => answers.shift() ?? down,
      onChange: (s) => seen.push(s),
      intervalMs: 1000,
    })
    watcher.start()
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(1000)
    watcher.stop()
    expect(seen).toEqual([down, up, down])
  })

  it('does not repeat a status already observed through engineInfo', async () => {
    vi.useFakeTimers()
    const seen: DockerStatus[] = []
    const watcher = new DockerStatusWatcher({ probe: async () => up, onChange: (s) => seen.push(s), intervalMs: 1000 })
    watcher.observe(up)
    watcher.start()
    await vi.advanceTimersByTimeAsync(3000)
    watcher.stop()
    expect(seen).toEqual([])
  })

  it('stops probing once stopped', async () => {
    vi.useFakeTimers()
    let probes = 0
    const watcher = new DockerStatusWatcher({
      probe: async () => {
        probes++
        return up
      },
      onChange: () => {},
      intervalMs: 1000,
    })
    watcher.start()
    await vi.advanceTimersByTimeAsync(2500)
    watcher.stop()
    const after = probes
    await vi.advanceTimersByTimeAsync(5000)
    expect(probes).toBe(after)
  })
})
