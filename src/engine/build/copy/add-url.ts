// ADD <http(s) URL>: BuildKit's HTTP source. The body is streamed to a scratch file and hashed
// on the way; the file is then copied like any other source. What the source gives it: mode
// 0600, root-owned, mtime = Last-Modified (the epoch without one), the URL path's basename as
// its name. --checksum is compared with the sha256 of what arrived.

import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { SourceItem } from './copy-source'
import { CopyStepError } from './copy-plan'

export interface DownloadOptions {
  readonly fileName: string
  readonly checksum: string | null
  readonly scratchDir: string
  readonly signal?: AbortSignal
  /** Injected in tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch
}

export async function downloadSource(url: string, opts: DownloadOptions): Promise<SourceItem> {
  const res = await (opts.fetch ?? fetch)(url, { signal: opts.signal, redirect: 'follow' })
  if (res.status < 200 || res.status >= 400) throw new CopyStepError(`invalid response status ${res.status}`)
  const path = join(opts.scratchDir, `download-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`)
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  const body = res.body === null ? Readable.from([]) : Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0])
  await pipeline(body, tap, createWriteStream(path, { mode: 0o600 }), { signal: opts.signal })
  const actual = `sha256:${hash.digest('hex')}`
  if (opts.checksum !== null && actual !== opts.checksum) throw new CopyStepError(`digest mismatch ${actual}: ${opts.checksum}`)
  const lastModified = res.headers.get('last-modified')
  const parsed = lastModified === null ? NaN : Date.parse(lastModified)
  const mtime = Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000)
  return {
    name: opts.fileName,
    source: url,
    root: { name: opts.fileName, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime, size, content: { from: 'file', path } },
    archiveCandidate: { path },
  }
}
