import { PassThrough, type Readable } from 'node:stream'

/** The first `n` bytes (fewer if the source is shorter) and an iterable that replays everything. */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]()
  const seen: Buffer[] = []
  let length = 0
  let done = false
  while (length < n) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }
    const chunk = asBuffer(next.value)
    seen.push(chunk)
    length += chunk.length
  }
  const head = Buffer.concat(seen, length)
  const stream = (async function* () {
    if (length > 0) yield head
    if (done) return
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield asBuffer(next.value)
    } finally {
      // A consumer that stops early (an error downstream) must let a file stream close.
      await iterator.return?.()
    }
  })()
  return { head, stream }
}

/**
 * The same bytes to two consumers, each at its own pace: the source is paused while either
 * one is behind, so nothing piles up in memory. An error on the source reaches both; a
 * consumer that fails should destroy the source (see `settleBoth`).
 */
export function tee(source: Readable): [PassThrough, PassThrough] {
  const a = new PassThrough({ highWaterMark: 1 << 20 })
  const b = new PassThrough({ highWaterMark: 1 << 20 })
  source.pipe(a)
  source.pipe(b)
  source.once('error', (error) => {
    a.destroy(error)
    b.destroy(error)
  })
  return [a, b]
}

/**
 * Waits for two consumers of one source. If one fails, the source is destroyed so the other
 * does not wait forever for bytes, and the first failure is what the caller sees.
 */
export async function settleBoth<A, B>(source: Readable, a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  let first: { error: unknown } | undefined
  const stop = (error: unknown): never => {
    if (!first) {
      first = { error }
      source.destroy(error instanceof Error ? error : new Error(String(error)))
    }
    throw error
  }
  const [ra, rb] = await Promise.allSettled([a.catch(stop), b.catch(stop)])
  if (first) throw first.error
  return [(ra as PromiseFulfilledResult<A>).value, (rb as PromiseFulfilledResult<B>).value]
}

/** Reads a whole body into memory, refusing more than `max` bytes. For small members only. */
export async function collect(source: AsyncIterable<Uint8Array>, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of source) {
    length += chunk.length
    if (length > max) throw new RangeError(`${what} is larger than ${max} bytes`)
    chunks.push(asBuffer(chunk))
  }
  return Buffer.concat(chunks, length)
}

export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}
