// The bytes of a local ADD source as a tar stream, whatever it is compressed with. Detection is
// by content (moby's DecompressStream): gzip through zlib; bzip2, xz and zstd through the
// system's own tools, since Node 20 has no decoder for them.

import { spawn } from 'node:child_process'
import { constants, createReadStream } from 'node:fs'
import { access, open } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { sniffCompression } from '../../layers'
import type { LayerCompression } from '../../layers'

export class ArchiveToolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArchiveToolError'
  }
}

const TOOLS: Partial<Record<LayerCompression, string>> = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' }

async function findTool(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

async function* toolOutput(tool: string, name: string, path: string): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)))
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer
    const code = await exited
    if (code !== 0) throw new Error(`${name} -dc failed (exit ${code}): ${stderr.trim()}`)
  } finally {
    if (child.exitCode === null) child.kill()
    await exited.catch(() => undefined)
  }
}

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(6)
    const { bytesRead } = await fh.read(buf, 0, 6, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

/** The decompressed bytes of `path`, and a way to stop reading early. */
export async function openDecompressed(path: string): Promise<{ stream: AsyncIterable<Buffer>; close: () => void }> {
  const compression = sniffCompression(await head(path))
  if (compression === 'none') {
    const s = createReadStream(path)
    return { stream: s, close: () => s.destroy() }
  }
  if (compression === 'gzip') {
    const src = createReadStream(path)
    const gunzip = createGunzip()
    // pipeline forwards a read error into gunzip, so the consumer sees it.
    pipeline(src, gunzip, () => undefined)
    return { stream: gunzip, close: () => gunzip.destroy() }
  }
  const name = TOOLS[compression] ?? compression
  const tool = await findTool(name)
  if (tool === undefined) {
    throw new ArchiveToolError(`cannot unpack ${path}: it is ${compression}-compressed and \`${name}\` is not installed (install it to ADD such archives)`)
  }
  const gen = toolOutput(tool, name, path)
  return { stream: gen, close: () => void gen.return(undefined) }
}
