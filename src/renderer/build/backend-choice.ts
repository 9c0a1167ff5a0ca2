import type { DockerStatus } from '../../shared/engine-info'
import type { BuildBackendChoice } from '../../shared/project-api'

/**
 * Which backend builds each project, remembered per project folder in the page's localStorage
 * (as the recent projects are), so reopening a project builds it the way it was built last.
 */
const key = 'layerlab:backend-by-project'
/** Projects remembered at most; the oldest choices go first. */
export const maxRemembered = 64

export type BackendChoices = Record<string, BuildBackendChoice>

export function parseChoices(text: string | null): BackendChoices {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
    const entries = Object.entries(value).filter(
      (e): e is [string, BuildBackendChoice] => e[0].length > 0 && (e[1] === 'embedded' || e[1] === 'docker'),
    )
    return Object.fromEntries(entries.slice(-maxRemembered))
  } catch {
    return {}
  }
}

/** The choices with `dir`'s set (moved to the end, as the newest). The embedded engine is the default, so it is not stored. */
export function withChoice(choices: BackendChoices, dir: string, choice: BuildBackendChoice): BackendChoices {
  const { [dir]: _previous, ...rest } = choices
  const next = choice === 'docker' ? { ...rest, [dir]: choice } : rest
  return Object.fromEntries(Object.entries(next).slice(-maxRemembered))
}

export function loadChoice(storage: Pick<Storage, 'getItem'> | undefined, dir: string): BuildBackendChoice {
  try {
    return parseChoices(storage?.getItem(key) ?? null)[dir] ?? 'embedded'
  } catch {
    return 'embedded'
  }
}

export function saveChoice(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined, dir: string, choice: BuildBackendChoice): void {
  try {
    storage?.setItem(key, JSON.stringify(withChoice(parseChoices(storage.getItem(key)), dir, choice)))
  } catch {
    // Storage full or disabled: the choice is a convenience, the build still uses it this time.
  }
}

/**
 * The backend a build will use: Docker only while a daemon answers. A project remembered as a
 * Docker project builds with the embedded engine while Docker is away, and the UI says why.
 */
export function effectiveBackend(choice: BuildBackendChoice, docker: DockerStatus | undefined): BuildBackendChoice {
  return choice === 'docker' && docker?.available === true ? 'docker' : 'embedded'
}
