import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, relative, resolve, sep } from 'node:path'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
}

/**
 * Maps a request path to a file inside `root`, or undefined when it would leave it (`..`,
 * encoded separators, NUL bytes). `/` is the index page.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const relativePath = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const absoluteRoot = resolve(root)
  const target = resolve(join(absoluteRoot, relativePath))
  const rel = relative(absoluteRoot, target)
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep) || resolve(absoluteRoot, rel) !== target) return undefined
  return target
}

export async function sendStaticFile(
  root: string,
  urlPath: string,
  response: ServerResponse,
  headers: Record<string, string>,
  method: string,
): Promise<void> {
  const path = resolveStaticPath(root, urlPath)
  const info = path ? await stat(path).catch(() => undefined) : undefined
  if (!path || !info?.isFile()) {
    response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
    response.end('not found\n')
    return
  }
  response.writeHead(200, {
    ...headers,
    'content-type': contentTypes[extname(path)] ?? 'application/octet-stream',
    'content-length': String(info.size),
    // Hashed assets never change; the page itself must not be cached with someone's token.
    'cache-control': path.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable',
  })
  if (method === 'HEAD') {
    response.end()
    return
  }
  createReadStream(path).pipe(response)
}
