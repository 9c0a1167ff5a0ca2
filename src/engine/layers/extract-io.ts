import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { promisify } from 'node:util'
import type { TarEntryHeader } from './tar-reader'

export type NodeKind = 'char' | 'block' | 'fifo'
/** Creates a device node or fifo; Node has no mknod, so the default runs mknod(1) / mkfifo(1). */
export type MakeNode = (path: string, kind: NodeKind, mode: number, major: number, minor: number) => Promise<void>

const run = promisify(execFile)

export const makeNodeWithCommands: MakeNode = async (path, kind, mode, major, minor) => {
  const m = (mode & 0o7777).toString(8)
  if (kind === 'fifo') await run('mkfifo', ['-m', m, path])
  else await run('mknod', ['-m', m, path, kind === 'char' ? 'c' : 'b', String(major), String(minor)])
}

export async function lstatOrUndefined(path: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  try {
    return await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Create a regular file that must not exist yet (O_EXCL) and is never reached through a symlink
 * (O_NOFOLLOW), then set owner, mode and time through the descriptor: no second path lookup, and
 * chown before chmod, since chown clears setuid/setgid.
 */
export async function writeNewFile(path: string, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, h: TarEntryHeader, owners: boolean): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  try {
    for await (const chunk of data) await handle.write(chunk)
    if (owners) await handle.chown(h.uid, h.gid)
    await handle.chmod(h.mode)
    await handle.utimes(h.mtime, h.mtime)
  } finally {
    await handle.close()
  }
}
