import { posix } from 'node:path'
import { RootfsError, type RootfsView } from '../rootfs'

/**
 * What must be created for WORKDIR `cwd` to exist, as a path relative to the root with every
 * symlink already resolved inside the image (runc creates a missing cwd, root:root 0755, and
 * BuildKit's layer then has it). The sandbox's setup script runs `mkdir -p` on it *outside* the
 * sandbox, where an image's symlink would point into the host: so the existing part is resolved
 * here, through the rootfs view, and the rest is known not to exist at all — not even as a
 * dangling link. '' when nothing is missing, or when the path cannot be made safely (a file in
 * the way, a dangling link, a loop): then the sandbox's chdir fails and says so.
 */
export async function missingWorkdir(rootfs: RootfsView, cwd: string): Promise<string> {
  const parts = posix
    .normalize(`/${cwd}`)
    .split('/')
    .filter((part) => part !== '')
  let realParent = '/'
  try {
    for (const [i, part] of parts.entries()) {
      const prefix = `${realParent === '/' ? '' : realParent}/${part}`
      const followed = await rootfs.lookup(prefix, { followFinal: true })
      if (followed) {
        if (followed.type !== 'dir') return ''
        realParent = followed.realPath
        continue
      }
      if (await rootfs.lookup(prefix)) return '' // it exists, but as a link that leads nowhere
      return posix.join(realParent, ...parts.slice(i)).slice(1)
    }
  } catch (error) {
    if (error instanceof RootfsError) return ''
    throw error
  }
  return ''
}
