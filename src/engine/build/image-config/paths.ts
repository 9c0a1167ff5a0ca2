// Paths as BuildKit computes them for the config: Go's path.Clean/path.Join and
// util/system NormalizeWorkdir (which leaves an absolute WORKDIR exactly as written on Linux:
// `WORKDIR /a/../b/` is stored as `/a/../b/`, and `WORKDIR //` is not `/`).

import { goClean, goJoin } from '../../context/go-path'

export { goClean, goJoin }

export class WorkdirError extends Error {
  override readonly name = 'WorkdirError'
}

/**
 * CheckSystemDriveAndRemoveDriveLetter for Windows: forward slashes, the `C:` drive dropped,
 * cleaned. Other drives and UNC paths are errors.
 */
function windowsPath(p: string): string {
  const slashed = p.replaceAll('\\', '/')
  if (p.length === 2 && p[1] === ':') throw new WorkdirError(`No relative path specified in "${p}"`)
  if (slashed.startsWith('//')) throw new WorkdirError('UNC paths are not supported')
  const colon = slashed.indexOf(':')
  if (colon < 0) return goClean(slashed)
  if (slashed.slice(0, colon).toLowerCase() !== 'c') {
    throw new WorkdirError('The specified path is not on the system drive (C:)')
  }
  return goClean(slashed.slice(colon + 1))
}

/**
 * system.NormalizeWorkdir: a relative `wd` joins the current one (default `/`) and is cleaned;
 * an absolute one is kept as written (Linux) or cleaned without its drive (Windows). Returns
 * the config value (backslashes on Windows) and the slash form history and mkdir use.
 */
export function normalizeWorkdir(current: string, wd: string, os: string): { config: string; slashed: string } {
  const windows = os === 'windows'
  const check = (p: string) => (windows ? windowsPath(p) : p)
  let parent = check(windows ? current.replaceAll('\\', '/') : current === '' ? '/' : current)
  if (parent === '' || parent === '.') parent = '/'
  if (!parent.startsWith('/')) parent = goJoin('/', parent)
  let next = wd === '' ? parent : check(windows ? wd.replaceAll('\\', '/') : wd)
  if (!next.startsWith('/')) next = goJoin(parent, next)
  return { config: windows ? next.replaceAll('/', '\\') : next, slashed: next }
}
