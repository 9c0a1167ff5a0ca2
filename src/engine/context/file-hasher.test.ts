import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { FileHasher, FileReader } from './file-hasher'
import { createStreamHasher, Limiter, nodeFileReader } from './file-hasher'
import { removeDir, tempDir } from './testdata/make-context'
import { createWorkerHasher } from './worker-hasher'

const dir = tempDir()
afterAll(() => removeDir(dir))

const files = {
  empty: Buffer.alloc(0),
  small: Buffer.from('hello'),
  // Larger than both read buffers, and not a multiple of either.
  large: randomBytes(3 * 1024 * 1024 + 17),
  unicode: Buffer.from('ünïcødé'),
}
for (const [name, data] of Object.entries(files)) writeFileSync(path.join(dir, name), data)

const expected = (header: string, data: Buffer) =>
  `sha256:${createHash('sha256').update(header).update(data).digest('hex')}`

describe.each<[string, () => FileHasher]>([
  ['stream hasher', () => createStreamHasher({ concurrency: 2, bufferSize: 64 * 1024 })],
  ['worker hasher', () => createWorkerHasher({ workers: 2, batchSize: 2 })],
])('%s', (_name, make) => {
  it('hashes header ‖ content, streaming files larger than its buffer', async () => {
    const hasher = make()
    try {
      const results = await Promise.all(
        Object.entries(files).map(([name, data]) =>
          hasher.hash({ absPath: path.join(dir, name), header: `h-${name}-é` }).then((r) => [r, expected(`h-${name}-é`, data), data.length] as const),
        ),
      )
      for (const [got, want, size] of results) expect(got).toEqual({ digest: want, bytesRead: size })
      expect(hasher.stats.files).toBe(4)
      expect(hasher.stats.bytes).toBe(Object.values(files).reduce((n, b) => n + b.length, 0))
    } finally {
      await hasher.close()
    }
  })

  it('rejects for a missing file and keeps working', async () => {
    const hasher = make()
    try {
      await expect(hasher.hash({ absPath: path.join(dir, 'missing'), header: '' })).rejects.toMatchObject({ code: 'ENOENT' })
      expect((await hasher.hash({ absPath: path.join(dir, 'small'), header: '' })).digest).toBe(expected('', files.small))
    } finally {
      await hasher.close()
    }
  })
})

describe('stream hasher', () => {
  it('keeps at most `concurrency` files open', async () => {
    let open = 0
    let most = 0
    const reader: FileReader = {
      async open(p) {
        const f = await nodeFileReader.open(p)
        most = Math.max(most, ++open)
        return { read: (...args) => f.read(...args), close: () => (open--, f.close()) }
      },
    }
    const hasher = createStreamHasher({ concurrency: 3, reader })
    await Promise.all(Array.from({ length: 20 }, () => hasher.hash({ absPath: path.join(dir, 'small'), header: '' })))
    expect(most).toBe(3)
  })
})

describe('Limiter', () => {
  it('runs tasks in order with bounded concurrency, also when they fail', async () => {
    const limiter = new Limiter(2)
    const log: string[] = []
    const task = (name: string, fail = false) =>
      limiter.run(async () => {
        log.push(`start ${name}`)
        await new Promise((r) => setTimeout(r, 5))
        log.push(`end ${name}`)
        if (fail) throw new Error(name)
        return name
      })
    const results = await Promise.allSettled([task('a'), task('b', true), task('c')])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(log.slice(0, 2)).toEqual(['start a', 'start b'])
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'))
  })
})
