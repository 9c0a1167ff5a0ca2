import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanLayerPath, readTar, type XattrReader } from '../layers'
import { HOST_PATH, findExecutable } from './host-tools'

/**
 * Overlayfs marks a directory of its upper dir opaque (replaced, hiding everything lower layers
 * had in it) with the xattr `trusted.overlay.opaque=y` (`user.overlay.opaque` when mounted with
 * userxattr), and Node has no call to read an xattr. GNU tar does (`--xattrs`, lgetxattr), it is
 * on every Linux that could run a sandbox, and archiving directories alone with --no-recursion
 * reads no file data: one tar process lists the overlay xattrs of every directory of the upper
 * dir, and the PAX records (`SCHILY.xattr.*`) are read back with this engine's own tar reader.
 * (getfattr from the `attr` package would do too, but is rarely installed.)
 *
 * Only directories are asked: files carry no overlay marks the layer needs (whiteouts are
 * character devices, and redirect/metacopy are mounted off).
 */
export async function overlayDirXattrs(upperDir: string, tarPath = findExecutable('tar') ?? 'tar'): Promise<Map<string, Record<string, Uint8Array>>> {
  const dirs = ['.', ...(await directoriesBelow(upperDir))]
  const child = spawn(
    tarPath,
    [
      '--create',
      '--file=-',
      '--format=posix',
      '--no-recursion',
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=trusted.overlay.*',
      '--xattrs-include=user.overlay.*',
      '--directory',
      upperDir,
      '--null',
      '--verbatim-files-from',
      '--files-from=-',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: HOST_PATH, LC_ALL: 'C' } },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000)
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  child.stdin.on('error', () => undefined) // tar failing early closes its stdin; the exit code tells
  child.stdin.end(Buffer.from(dirs.map((dir) => `${dir}\0`).join(''), 'utf8'))

  const found = new Map<string, Record<string, Uint8Array>>()
  try {
    for await (const { header } of readTar(child.stdout)) {
      const names = Object.keys(header.xattrs)
      if (header.type !== 'dir' || names.length === 0) continue
      const rel = cleanLayerPath(header.name)
      found.set(rel === '' ? upperDir : join(upperDir, rel), Object.fromEntries(names.map((name) => [name, new Uint8Array(header.xattrs[name] as Buffer)])))
    }
  } catch (error) {
    child.kill()
    await exited.catch(() => undefined)
    throw error
  }
  const code = await exited
  if (code !== 0) throw new Error(`reading overlay attributes with ${tarPath} failed (exit ${code}): ${stderr.trim()}`)
  return found
}

/** An XattrReader for directoryEntries backed by overlayDirXattrs (files read as having none). */
export function xattrReaderFrom(found: Map<string, Record<string, Uint8Array>>): XattrReader {
  return async (path) => found.get(path) ?? {}
}

/** Relative paths of every directory below `root` (not following symlinks). */
async function directoriesBelow(root: string): Promise<string[]> {
  const out: string[] = []
  const pending = ['']
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`
      out.push(child)
      pending.push(child)
    }
  }
  return out
}
