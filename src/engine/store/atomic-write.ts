import { randomBytes } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { open, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { hasErrnoCode } from './store-errors'

/**
 * Temp files are named `.<target>.<pid>-<random>.tmp` beside their target so the rename never
 * crosses a filesystem, and so check/prune can recognise the leftovers of a crash by name alone.
 */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${uniqueSuffix()}.tmp`)
}

export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp')
}

export function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`
}

/**
 * Replaces `target` so that a reader, or the next process after a crash, sees either the old
 * content or the new, never a mix: write a temp file, fsync it, rename it over the target,
 * fsync the directory so the rename itself survives a power cut.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = tempPathFor(target)
  const handle = await open(temp, 'wx', mode)
  let closed = false
  try {
    await handle.writeFile(data)
    await handle.sync()
    await handle.close()
    closed = true
    await renameReplacing(temp, target)
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw error
  }
  await fsyncDir(path.dirname(target))
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value))
}

/**
 * Without this a rename can be lost on power failure even though the file data was synced.
 * Windows cannot open a directory for fsync (NTFS journals the rename itself), and some
 * filesystems refuse fsync on directories: both are fine to skip.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    if (!hasErrnoCode(error, 'EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EACCES')) throw error
  } finally {
    await handle?.close()
  }
}

/**
 * rename(2) replaces atomically on POSIX. On Windows a reader holding the target open (virus
 * scanners, indexers) makes the rename fail for a moment, so retry briefly there.
 */
export async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (error) {
      const transient = process.platform === 'win32' && hasErrnoCode(error, 'EPERM', 'EACCES', 'EBUSY')
      if (!transient || attempt >= 10) throw error
      await new Promise((resolve) => setTimeout(resolve, 10 * (attempt + 1)))
    }
  }
}

/** Writes every byte of `data`: a single write(2) may legally write less. */
export async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < data.byteLength) {
    const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset)
    offset += bytesWritten
  }
}
