import type { BuildBackendChoice, StartBuildArgs } from '../../shared/project-api'

/** What the build controls hold, before it becomes a `startBuild` request. */
export interface ArgRow {
  id: number
  key: string
  value: string
}

export interface BuildForm {
  dockerfile: string
  /** '' builds the last stage. */
  target: string
  noCache: boolean
  tag: string
  args: ArgRow[]
  /** The backend chosen for this project; it builds only while available (effectiveBackend). */
  backend: BuildBackendChoice
}

export function initialForm(dockerfile: string, backend: BuildBackendChoice = 'embedded'): BuildForm {
  return { dockerfile, target: '', noCache: false, tag: '', args: [], backend }
}

/** The request for this form, or what to fix first. */
export function toStartArgs(dir: string, form: BuildForm): { ok: true; args: StartBuildArgs } | { ok: false; message: string } {
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (const [i, row] of form.args.entries()) {
    const key = row.key.trim()
    if (!key && !row.value) continue
    if (!key) return { ok: false, message: `Build arg ${i + 1} has a value but no name.` }
    if (/[=\s]/.test(key)) return { ok: false, message: `Build arg name "${key}" cannot hold "=" or spaces.` }
    if (seen.has(key)) return { ok: false, message: `Build arg ${key} is set twice.` }
    seen.add(key)
    entries.push([key, row.value])
  }
  const tag = form.tag.trim()
  if (/\s/.test(tag)) return { ok: false, message: 'The tag cannot hold spaces: one name like app:dev.' }
  return {
    ok: true,
    args: {
      dir,
      dockerfile: form.dockerfile,
      backend: form.backend,
      ...(entries.length > 0 ? { buildArgs: Object.fromEntries(entries) } : {}),
      ...(form.target ? { target: form.target } : {}),
      ...(form.noCache ? { noCache: true } : {}),
      ...(tag ? { tags: [tag] } : {}),
    },
  }
}
