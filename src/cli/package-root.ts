import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The directory holding Layerlab's package.json, found from this module's location so it works
 * from the bundle in out/cli as well as from the sources under tsx.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'cli'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find Layerlab's package root above ${fileURLToPath(from)}`)
    dir = parent
  }
}

export function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAYERLAB_RENDERER_DIR ?? join(packageRoot(), 'out', 'renderer')
}
