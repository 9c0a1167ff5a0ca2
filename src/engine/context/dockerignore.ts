// Reading .dockerignore the way moby/patternmatcher/ignorefile.ReadAll does, and choosing the
// file the way BuildKit's dockerui does: `<Dockerfile>.dockerignore` next to the Dockerfile
// first, then `.dockerignore` at the context root.

import { readFile, realpath } from 'node:fs/promises'
import path from 'node:path'
import { goClean, goTrimSpace } from './go-path'

/** bufio.Scanner's default MaxScanTokenSize: a longer line makes ReadAll fail. */
const MAX_LINE_BYTES = 64 * 1024

export class DockerignoreError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
  ) {
    super(message)
    this.name = 'DockerignoreError'
  }
}

/** Splits like bufio.ScanLines: on '\n', one trailing '\r' dropped, no empty final token. */
function scanLines(data: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = []
  let start = 0
  while (start < data.length) {
    let nl = data.indexOf(0x0a, start)
    const end = nl < 0 ? data.length : nl
    // The scanner's buffer holds at most 64 KiB including the newline it is looking for.
    if (end - start >= MAX_LINE_BYTES) throw new DockerignoreError('bufio.Scanner: token too long', null)
    let lineEnd = end
    if (lineEnd > start && data[lineEnd - 1] === 0x0d) lineEnd--
    lines.push(data.subarray(start, lineEnd))
    if (nl < 0) nl = data.length
    start = nl + 1
  }
  return lines
}

/**
 * ignorefile.ReadAll: the list of patterns in a .dockerignore. A UTF-8 BOM is dropped from the
 * first line; a line whose first character is `#` is a comment (` #x` is the pattern `#x`);
 * lines are trimmed and empty ones skipped; `!` marks an exception (blanks after it trimmed);
 * each pattern is path.Clean'ed and loses one leading `/`. A lone `!` is kept here and rejected
 * when the patterns are compiled, as upstream does.
 */
export function parseDockerignore(content: string | Uint8Array): string[] {
  const data = typeof content === 'string' ? new TextEncoder().encode(content) : content
  // ignoreBOM keeps U+FEFF in the text: only the first line's BOM is dropped, as upstream.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const patterns: string[] = []
  scanLines(data).forEach((bytes, index) => {
    if (index === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
    let pattern = decoder.decode(bytes)
    if (pattern.startsWith('#')) return
    pattern = goTrimSpace(pattern)
    if (pattern === '') return
    const invert = pattern[0] === '!'
    if (invert) pattern = goTrimSpace(pattern.slice(1))
    if (pattern.length > 0) {
      pattern = goClean(pattern)
      if (pattern.length > 1 && pattern[0] === '/') pattern = pattern.slice(1)
    }
    patterns.push(invert ? `!${pattern}` : pattern)
  })
  return patterns
}

export interface DockerignoreFile {
  /** Absolute path of the file that was used, or null when there is none. */
  readonly path: string | null
  /** Which rule chose it: the Dockerfile-specific file, the context's, or none. */
  readonly source: 'dockerfile' | 'context' | 'none'
  readonly patterns: readonly string[]
}

export interface LoadDockerignoreOptions {
  /** The build context directory. */
  contextDir: string
  /**
   * The Dockerfile, absolute or relative to `contextDir`; omit when it does not come from a file
   * (stdin). `<this path>.dockerignore` wins over the context's `.dockerignore`.
   */
  dockerfilePath?: string
}

async function tryRead(file: string): Promise<Uint8Array | null> {
  try {
    return await readFile(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null
    throw e
  }
}

/**
 * The .dockerignore BuildKit would apply. The context's `.dockerignore` is read through the
 * context (a symlink to outside the context does not count, since BuildKit never receives
 * its target); the Dockerfile's own file is read from the Dockerfile's directory.
 */
export async function loadDockerignore(opts: LoadDockerignoreOptions): Promise<DockerignoreFile> {
  const contextDir = path.resolve(opts.contextDir)
  const parse = (file: string, data: Uint8Array) => {
    try {
      return parseDockerignore(data)
    } catch (e) {
      if (e instanceof DockerignoreError) {
        throw new DockerignoreError(`failed to parse dockerignore: ${e.message}`, file)
      }
      throw e
    }
  }
  if (opts.dockerfilePath !== undefined) {
    const specific = `${path.resolve(contextDir, opts.dockerfilePath)}.dockerignore`
    const data = await tryRead(specific)
    if (data !== null) return { path: specific, source: 'dockerfile', patterns: parse(specific, data) }
  }
  const file = path.join(contextDir, '.dockerignore')
  let inside: boolean
  try {
    const [root, target] = await Promise.all([realpath(contextDir), realpath(file)])
    inside = target.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
  } catch {
    inside = false
  }
  const data = inside ? await tryRead(file) : null
  if (data === null) return { path: null, source: 'none', patterns: [] }
  return { path: file, source: 'context', patterns: parse(file, data) }
}
