// The build context as the docker CLI sends it to /build: a tar of the entries .dockerignore
// lets through, plus the Dockerfile and the .dockerignore themselves (the daemon needs both, even
// when the patterns exclude them), written one file at a time so the context is never in memory.

import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import type { BuildContext, ContextEntry } from '../context'

export interface ContextTarOptions {
  /** The Dockerfile, absolute. When it is outside the context it is added under `dockerfileName`. */
  dockerfilePath: string
  signal?: AbortSignal
}

export interface ContextTar {
  stream: Readable
  /** What to pass as the `dockerfile` build option: its path inside the tar. */
  dockerfile: string
  /** Settles when every entry was written (rejects with the first read error). */
  done: Promise<void>
}

const toSlash = (p: string): string => p.split(path.sep).join('/')

/** Where the Dockerfile lands in the tar: its context path, or a hidden name when it is outside. */
export function dockerfileInContext(root: string, dockerfilePath: string): { name: string; inside: boolean } {
  const rel = path.relative(root, dockerfilePath)
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return { name: toSlash(rel), inside: true }
  // The docker CLI names it `.dockerfile.<random>`; a stable name is enough here.
  return { name: '.dockerfile.layerlab', inside: false }
}

type Header = Parameters<ReturnType<typeof pack>['entry']>[0]

function header(entry: ContextEntry): Header | undefined {
  const common = {
    name: entry.relPath,
    mode: entry.mode,
    // Like the docker CLI: files are sent as root's.
    uid: 0,
    gid: 0,
    mtime: new Date(Number(entry.mtimeNs / 1_000_000n)),
  }
  if (entry.hardlinkTo !== null && entry.type === 'file') return { ...common, type: 'link', linkname: entry.hardlinkTo, size: 0 }
  switch (entry.type) {
    case 'file':
      return { ...common, type: 'file', size: entry.size }
    case 'dir':
      return { ...common, type: 'directory' }
    case 'symlink':
      return { ...common, type: 'symlink', linkname: entry.linkTarget ?? '' }
    default:
      // Sockets, devices and FIFOs are not sent (BuildKit's fsutil does not copy them either).
      return undefined
  }
}

/**
 * Starts writing the context's tar. Consume `stream` (hand it to dockerode); `done` tells whether
 * every file could be read.
 */
export function contextTar(context: BuildContext, options: ContextTarOptions): ContextTar {
  const tar = pack()
  const { name: dockerfile } = dockerfileInContext(context.root, options.dockerfilePath)
  const done = (async () => {
    const sent = new Set<string>()
    for (const entry of context.entries) {
      if (options.signal?.aborted) throw options.signal.reason
      const h = header(entry)
      if (!h) continue
      sent.add(entry.relPath)
      if (h.type === 'file') {
        await writeFile(tar, h, path.join(context.root, entry.relPath))
      } else {
        await new Promise<void>((resolve, reject) => tar.entry(h, (err) => (err ? reject(err) : resolve())))
      }
    }
    const extras: { name: string; file: string }[] = []
    if (!sent.has(dockerfile)) extras.push({ name: dockerfile, file: options.dockerfilePath })
    const ignore = context.dockerignore.path
    if (ignore) {
      const name = toSlash(path.relative(context.root, ignore))
      if (!name.startsWith('..') && !sent.has(name)) extras.push({ name, file: ignore })
    }
    for (const extra of extras) {
      // Small files (a Dockerfile, a .dockerignore): read whole.
      const data = await readFile(extra.file)
      await new Promise<void>((resolve, reject) =>
        tar.entry({ name: extra.name, mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: new Date() }, data, (err) =>
          err ? reject(err) : resolve(),
        ),
      )
    }
    tar.finalize()
  })()
  done.catch((error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))))
  return { stream: tar as unknown as Readable, dockerfile, done }
}

/** One file's bytes into the tar, chunk by chunk, waiting for the consumer (backpressure). */
async function writeFile(tar: ReturnType<typeof pack>, h: Header, file: string): Promise<void> {
  let written: (err?: Error | null) => void = () => undefined
  const finished = new Promise<void>((resolve, reject) => (written = (err) => (err ? reject(err) : resolve())))
  const sink = tar.entry(h, written)
  // The pack may be destroyed (the daemon or a cancel dropped the request) before `finished` is
  // awaited: it then rejects with nobody listening yet, and 'drain' never comes, only 'close'.
  finished.catch(() => undefined)
  const writable = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const go = (): void => {
        sink.off('drain', go)
        sink.off('close', go)
        resolve()
      }
      sink.on('drain', go)
      sink.on('close', go)
    })
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      if (sink.destroyed) break
      if (!sink.write(chunk)) await writable()
    }
    ;(sink as unknown as { end(): void }).end()
  } catch (error) {
    sink.destroy(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
  await finished
}
