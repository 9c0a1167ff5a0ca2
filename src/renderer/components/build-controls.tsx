import type { DockerStatus } from '../../shared/engine-info'
import type { BuildBackendChoice, ProjectInfo } from '../../shared/project-api'
import type { BuildForm } from '../build/build-form'
import { BackendPicker } from './backend-picker'
import { BuildArgsEditor } from './build-args-editor'

const field =
  'h-8 w-full min-w-0 rounded-md border border-zinc-300 bg-white px-2 text-sm outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-500/30 disabled:opacity-60 dark:border-zinc-700 dark:bg-zinc-950'
const label = 'flex flex-col gap-1 text-xs font-medium text-zinc-600 dark:text-zinc-400'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
export const buildShortcut = isMac ? '⌘↵' : 'Ctrl+Enter'

interface BuildControlsProps {
  info: ProjectInfo
  form: BuildForm
  onChange: (form: BuildForm) => void
  onDockerfile: (dockerfile: string) => void
  /** Undefined until the engine has answered. */
  docker: DockerStatus | undefined
  onBackend: (backend: BuildBackendChoice) => void
  running: boolean
  starting: boolean
  onBuild: () => void
  onCancel: () => void
  error?: string | undefined
}

/** What to build and how: Dockerfile, target, tag, build args, no-cache; Build and Cancel. */
export function BuildControls(props: BuildControlsProps) {
  const { info, form, onChange, running, starting } = props
  const targets = info.stages.filter((s): s is typeof s & { name: string } => s.name !== null)
  const busy = running || starting
  return (
    <section aria-labelledby="build-heading" className="flex flex-col gap-3" data-testid="build-controls">
      <h2 id="build-heading" className="text-sm font-semibold">
        Build
      </h2>
      <label className={label}>
        Dockerfile
        <select
          className={field}
          value={form.dockerfile}
          disabled={busy}
          data-testid="dockerfile-select"
          onChange={(e) => props.onDockerfile(e.target.value)}
        >
          {info.dockerfiles.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      {info.stagesError && (
        <p className="text-xs text-red-700 dark:text-red-400" data-testid="dockerfile-problem">
          {info.dockerfile} does not parse: {info.stagesError.message}
        </p>
      )}
      <label className={label}>
        Target stage
        <select
          className={field}
          value={form.target}
          disabled={busy || targets.length === 0}
          data-testid="target-select"
          onChange={(e) => onChange({ ...form, target: e.target.value })}
        >
          <option value="">{targets.length === 0 ? 'the last stage (no named stages)' : 'the last stage'}</option>
          {targets.map((s) => (
            <option key={s.index} value={s.name}>
              {s.name} (line {s.line})
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        Tag
        <input
          className={`${field} font-mono text-xs`}
          value={form.tag}
          disabled={busy}
          placeholder="optional, like app:dev"
          data-testid="tag-input"
          onChange={(e) => onChange({ ...form, tag: e.target.value })}
        />
      </label>
      <BackendPicker choice={form.backend} docker={props.docker} disabled={busy} onChange={props.onBackend} />
      <BuildArgsEditor rows={form.args} disabled={busy} onChange={(args) => onChange({ ...form, args })} />
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          className="size-4 accent-sky-600"
          checked={form.noCache}
          disabled={busy}
          data-testid="no-cache"
          onChange={(e) => onChange({ ...form, noCache: e.target.checked })}
        />
        No cache <span className="text-xs text-zinc-500">(build every step)</span>
      </label>
      <div className="grid grid-cols-2 gap-2">
        <button
          type="button"
          onClick={props.onBuild}
          disabled={busy}
          data-testid="build-button"
          className="flex h-9 items-center justify-center gap-2 rounded-md bg-sky-600 text-sm font-semibold text-white hover:bg-sky-700 disabled:cursor-not-allowed disabled:bg-sky-600/50"
        >
          Build <kbd className="text-[10px] font-normal opacity-80">{buildShortcut}</kbd>
        </button>
        <button
          type="button"
          onClick={props.onCancel}
          disabled={!running}
          data-testid="cancel-button"
          className="flex h-9 items-center justify-center gap-2 rounded-md border border-zinc-300 text-sm font-medium hover:bg-zinc-100 disabled:cursor-not-allowed disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          Cancel <kbd className="text-[10px] font-normal opacity-70">Esc</kbd>
        </button>
      </div>
      <p role={props.error ? 'alert' : undefined} className="min-h-4 text-xs text-red-700 dark:text-red-400" data-testid="build-start-error">
        {props.error}
      </p>
    </section>
  )
}
