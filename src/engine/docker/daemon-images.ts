import { loadImages, type LoadResult } from '../image-io'
import type { Store } from '../store'
import { dockerClient } from './daemon-status'
import { connectDaemon } from './daemon-client'
import { discoverDaemon } from './discovery'

/**
 * Whether the local Docker daemon has the image. A daemon that is absent or does not answer
 * simply does not have it: FROM then falls through to the registry.
 */
export async function daemonHasImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  try {
    const { connection } = await discoverDaemon(env)
    if (!connection) return false
    const docker = await dockerClient(connection, 3000, env)
    await docker.getImage(ref).inspect()
    return true
  } catch {
    return false
  }
}

/**
 * Copies an image out of the daemon into the store by streaming `docker save` straight into the
 * loader, which verifies every digest; the archive never lands on disk or in memory whole.
 */
export async function importFromDaemon(store: Store, ref: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<LoadResult> {
  const { client: docker } = await connectDaemon(env)
  signal?.throwIfAborted()
  const archive = (await docker.getImage(ref).get()) as unknown as AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void }
  // A cancelled build must not go on copying a large image (and keep the process up) to the end.
  const abort = (): void => archive.destroy?.(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'))
  signal?.addEventListener('abort', abort, { once: true })
  if (signal?.aborted) abort()
  try {
    return await loadImages(store, archive, { label: `docker image ${ref}` })
  } catch (error) {
    signal?.throwIfAborted()
    throw error
  } finally {
    signal?.removeEventListener('abort', abort)
    // The loader stops at the archive's last entry; the tar's end padding may still be unread,
    // and an unread response keeps its socket (and the process) alive.
    archive.destroy?.()
  }
}
