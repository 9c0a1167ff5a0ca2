// A generated 20,000-file context: cold hashing, a warm (unchanged) pass through the stat
// cache, and `sha256sum` over the same bytes for scale. Timings are printed, not asserted;
// the only assertion is that the warm pass reads no file.

import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openBuildContext } from './build-context'
import { createStreamHasher } from './file-hasher'
import { removeDir, tempDir } from './testdata/make-context'

const FILES = 20_000
const root = tempDir('layerlab-ctx-perf-')
// Removing 20,000 files takes longer than the default hook timeout on a busy machine.
afterAll(() => removeDir(root), 120_000)

function generate(dir: string): number {
  let bytes = 0
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(dir, `pkg${i % 50}`, `mod${i % 7}`)
    if (i < 350) mkdirSync(sub, { recursive: true })
    // Mostly small source-like files, one in a hundred of 256 KiB.
    const size = i % 100 === 0 ? 256 * 1024 : 512 + ((i * 37) % 8192)
    writeFileSync(path.join(sub, `file${i}.txt`), randomBytes(size))
    bytes += size
  }
  return bytes
}

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`
const rate = (bytes: number, t: number) => `${(bytes / 1e6 / ((performance.now() - t) / 1000)).toFixed(0)} MB/s`

describe('20,000-file context', () => {
  it('hashes cold, then re-hashes nothing when unchanged', { timeout: 300_000 }, async () => {
    const ctxDir = path.join(root, 'ctx')
    const bytes = generate(ctxDir)
    const cache = path.join(root, 'stat-cache.json')
    await new Promise((r) => setTimeout(r, 10))
    const lines = [`${FILES} files, ${(bytes / 1e6).toFixed(1)} MB (page cache warm)`]

    let t = performance.now()
    // The files were written a moment ago; a 1 ms racy window lets the cache keep them.
    const cold = await openBuildContext({ contextDir: ctxDir, statCachePath: cache, racyWindowMs: 1 })
    lines.push(`walk ${ms(t)} (${cold.entries.length} entries)`)
    t = performance.now()
    const digest = await cold.digestPath('')
    lines.push(`cold hash, worker threads: ${ms(t)}, ${rate(bytes, t)} (${cold.counters.hashed} files read)`)
    t = performance.now()
    await cold.close()
    lines.push(`stat cache saved: ${ms(t)}`)

    t = performance.now()
    const warm = await openBuildContext({ contextDir: ctxDir, statCachePath: cache, racyWindowMs: 1 })
    const warmDigest = await warm.digestPath('')
    lines.push(`warm pass (walk + stat cache + digests): ${ms(t)}, ${warm.counters.hashed} files read`)
    await warm.close()
    expect(warm.counters.hashed).toBe(0)
    expect(warm.counters.cacheHits).toBe(FILES)
    expect(warmDigest).toBe(digest)

    const mainThread = await openBuildContext({ contextDir: ctxDir, hasher: createStreamHasher({ concurrency: 8 }) })
    const t2 = performance.now()
    expect(await mainThread.digestPath('')).toBe(digest)
    lines.push(`cold hash, main-thread FileHandle streams (8 in flight): ${ms(t2)}, ${rate(bytes, t2)}`)
    await mainThread.close()

    try {
      t = performance.now()
      execFileSync('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: ctxDir })
      lines.push(`sha256sum (one process, same files): ${ms(t)}, ${rate(bytes, t)}`)
    } catch {
      lines.push('sha256sum not available')
    }
    console.log(`20k-file context:\n  ${lines.join('\n  ')}`)
  })
})
