import os from 'node:os'
import path from 'node:path'

/**
 * Where the store lives when nobody says otherwise: the per-user data directory of the
 * platform, or `LAYERLAB_STORE` when set. Computed for `platform` (not the host), so the
 * Windows and macOS answers can be tested anywhere.
 */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix
  const override = env.LAYERLAB_STORE?.trim()
  if (override) return p.isAbsolute(override) ? p.normalize(override) : path.resolve(override)

  if (platform === 'win32') {
    const local = env.LOCALAPPDATA?.trim()
    if (local && p.isAbsolute(local)) return p.join(local, 'Layerlab')
    return p.join(env.USERPROFILE?.trim() || os.homedir(), 'AppData', 'Local', 'Layerlab')
  }
  const home = env.HOME?.trim() || os.homedir()
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Layerlab')
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME?.trim()
  if (xdg && p.isAbsolute(xdg)) return p.join(xdg, 'layerlab')
  return p.join(home, '.local', 'share', 'layerlab')
}

/** An explicit `--store DIR` beats the environment, which beats the platform default. */
export function resolveStoreDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (explicit?.trim()) return path.resolve(explicit.trim())
  return defaultStoreDir(env, platform)
}
