import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ParallelGzip } from './parallel-gzip'
import { decompressedLayer } from './tar-reader'

async function compress(input: Buffer, chunkSizes: number[], blockBytes: number, maxInFlight = 3): Promise<Buffer> {
  const chunks: Buffer[] = []
  for (let offset = 0, i = 0; offset < input.length; i++) {
    const n = chunkSizes[i % chunkSizes.length] as number
    chunks.push(input.subarray(offset, offset + n))
    offset += n
  }
  const out: Buffer[] = []
  await pipeline(
    Readable.from(chunks),
    new ParallelGzip(1, blockBytes, maxInFlight),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk)
        cb()
      },
    }),
  )
  return Buffer.concat(out)
}

describe('parallel gzip', () => {
  // Half random, half repetitive: both compress paths of zlib are exercised.
  const data = Buffer.concat([randomBytes(20_000), Buffer.alloc(20_000, 'layerlab ')])

  it.each([0, 1, 4095, 4096, 4097, 40_000])('round-trips %i bytes through gunzip and the layer reader', async (size) => {
    const input = data.subarray(0, size)
    const gz = await compress(input, [1000, 7, 5000], 4096)
    expect(gunzipSync(gz).equals(input)).toBe(true)
    const back: Buffer[] = []
    for await (const chunk of await decompressedLayer([gz])) back.push(chunk)
    expect(Buffer.concat(back).equals(input)).toBe(true)
  })

  it('gives the same bytes however the input is chunked and however many blocks run at once', async () => {
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex')
    const a = await compress(data, [40_000], 4096, 1)
    const b = await compress(data, [1, 333, 9999], 4096, 8)
    expect(digest(b)).toBe(digest(a))
    // Ten blocks, ten members: smaller than the input where it is compressible.
    expect(a.length).toBeLessThan(data.length)
  })
})
