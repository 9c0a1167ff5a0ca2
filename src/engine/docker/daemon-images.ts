import { loadImages, type LoadResult } from '../image-io'
import type { Store } from '../store'
import { dockerClient } from './daemon-status'
import { discoverDaemon } from './discovery'

/**
 * Whether the local Docker daemon has the image. A daemon that is absent or does not answer
 * simply does not have it: FROM then falls through to the registry.
 */
export async function daemonHasImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  try {
    const { connection } = await discoverDaemon(env)
    if (!connection) return false
    const docker = await dockerClient(connection, 3000)
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
export async function importFromDaemon(store: Store, ref: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadResult> {
  const { connection, status } = await discoverDaemon(env)
  if (!connection) throw new Error(`no Docker daemon answers: ${status.available ? '' : status.reason}`)
  const docker = await dockerClient(connection)
  const archive = (await docker.getImage(ref).get()) as unknown as AsyncIterable<Uint8Array>
  return loadImages(store, archive, { label: `docker image ${ref}` })
}
