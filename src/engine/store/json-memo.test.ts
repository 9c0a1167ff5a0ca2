import { mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JsonFileMemo } from './json-memo'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-json-memo-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** What another process does: a temp file renamed over the target. */
async function replaceFile(file: string, value: unknown): Promise<void> {
  const temp = `${file}.other-writer.tmp`
  await writeFile(temp, JSON.stringify(value))
  await rename(temp, file)
}

describe('JsonFileMemo', () => {
  it('parses a file once while it is unchanged', async () => {
    const memo = new JsonFileMemo({ maxEntries: 4, maxBytes: 1 << 20 })
    const file = path.join(dir, 'a.json')
    await writeFile(file, JSON.stringify({ n: 1 }))
    const first = await memo.read(file)
    expect(first).toEqual({ n: 1 })
    // The same object, not an equal copy: nothing was read or parsed again.
    expect(await memo.read(file)).toBe(first)
  })

  it('reads again a file another writer replaced with a different size', async () => {
    const memo = new JsonFileMemo({ maxEntries: 4, maxBytes: 1 << 20 })
    const file = path.join(dir, 'a.json')
    await writeFile(file, JSON.stringify({ n: 1 }))
    expect(await memo.read(file)).toEqual({ n: 1 })
    await replaceFile(file, { n: 1, more: 'inputs' })
    expect(await memo.read(file)).toEqual({ n: 1, more: 'inputs' })
  })

  it('reads again a file rewritten in place with the same size but another mtime', async () => {
    const memo = new JsonFileMemo({ maxEntries: 4, maxBytes: 1 << 20 })
    const file = path.join(dir, 'a.json')
    await writeFile(file, JSON.stringify({ n: 1 }))
    const old = await stat(file)
    expect(await memo.read(file)).toEqual({ n: 1 })
    await writeFile(file, JSON.stringify({ n: 2 }))
    // Same inode, same size; only the timestamps tell the content apart.
    await utimes(file, old.atime, new Date(old.mtimeMs + 5000))
    expect(await memo.read(file)).toEqual({ n: 2 })
  })

  it('forgets a deleted file and reports it missing', async () => {
    const memo = new JsonFileMemo({ maxEntries: 4, maxBytes: 1 << 20 })
    const file = path.join(dir, 'a.json')
    await writeFile(file, '{"n":1}')
    await memo.read(file)
    await rm(file)
    await expect(memo.read(file)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(memo.has(file)).toBe(false)
  })

  it('evicts the least recently used file beyond its entry limit', async () => {
    const memo = new JsonFileMemo({ maxEntries: 2, maxBytes: 1 << 20 })
    const [a, b, c] = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.json`)) as [string, string, string]
    for (const f of [a, b, c]) await writeFile(f, JSON.stringify({ f }))
    const firstA = await memo.read(a)
    await memo.read(b)
    expect(await memo.read(a)).toBe(firstA) // a is now the most recent
    await memo.read(c)
    expect([memo.has(a), memo.has(b), memo.has(c), memo.size]).toEqual([true, false, true, 2])
  })

  it('keeps its total file size under the byte limit and skips files larger than it', async () => {
    const memo = new JsonFileMemo({ maxEntries: 100, maxBytes: 250 })
    const files = [0, 1, 2].map((i) => path.join(dir, `${i}.json`))
    for (const f of files) await writeFile(f, JSON.stringify({ pad: 'x'.repeat(100) }))
    for (const f of files) await memo.read(f)
    expect(memo.totalBytes).toBeLessThanOrEqual(250)
    expect(files.map((f) => memo.has(f))).toEqual([false, true, true])
    const big = path.join(dir, 'big.json')
    await writeFile(big, JSON.stringify({ pad: 'x'.repeat(300) }))
    expect(await memo.read(big)).toEqual({ pad: 'x'.repeat(300) })
    expect(memo.has(big)).toBe(false)
  })

  it('does not remember a file that is not JSON', async () => {
    const memo = new JsonFileMemo({ maxEntries: 4, maxBytes: 1 << 20 })
    const file = path.join(dir, 'a.json')
    await writeFile(file, '{"n":')
    await expect(memo.read(file)).rejects.toBeInstanceOf(SyntaxError)
    expect(memo.has(file)).toBe(false)
  })
})
