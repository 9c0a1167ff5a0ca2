import type { DockerStatus } from '../../shared/engine-info'
import type { BuildBackendChoice } from '../../shared/project-api'

interface BackendPickerProps {
  choice: BuildBackendChoice
  /** Undefined while the engine has not said yet. */
  docker: DockerStatus | undefined
  disabled: boolean
  onChange: (choice: BuildBackendChoice) => void
}

const option =
  'flex h-8 flex-1 cursor-pointer items-center justify-center gap-1.5 rounded-md text-xs font-medium has-[:checked]:bg-white has-[:checked]:text-zinc-900 has-[:checked]:shadow-sm has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-50 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-sky-500 dark:has-[:checked]:bg-zinc-700 dark:has-[:checked]:text-zinc-50'

/**
 * Who builds: Layerlab's own engine or the local Docker daemon, with the daemon's state under
 * it. Docker cannot be picked while no daemon answers, and the line says why and what to do.
 */
export function BackendPicker({ choice, docker, disabled, onChange }: BackendPickerProps) {
  const dockerUp = docker?.available === true
  const selected = choice === 'docker' && dockerUp ? 'docker' : 'embedded'
  const radio = (value: BuildBackendChoice, label: string, unavailable: boolean) => (
    <label className={option} data-testid={`backend-option-${value}`}>
      <input
        type="radio"
        name="backend"
        value={value}
        className="sr-only"
        checked={selected === value}
        disabled={disabled || unavailable}
        data-testid={`backend-${value}`}
        onChange={() => onChange(value)}
        // A project remembered as Docker shows the engine checked while Docker is away; a click
        // on the checked option fires no change, and it must still forget the Docker choice.
        onClick={() => value !== choice && onChange(value)}
      />
      {label}
    </label>
  )
  return (
    <fieldset className="flex flex-col gap-1" data-testid="backend-picker" data-backend={selected}>
      <legend className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">Backend</legend>
      <div className="flex gap-1 rounded-lg bg-zinc-100 p-0.5 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
        {radio('embedded', 'Layerlab engine', false)}
        {radio('docker', 'Docker', !dockerUp)}
      </div>
      <p className="min-h-8 text-[11px] leading-4 text-zinc-500" data-testid="docker-status" data-available={docker?.available}>
        <DockerLine docker={docker} remembered={choice === 'docker'} />
      </p>
    </fieldset>
  )
}

function DockerLine({ docker, remembered }: { docker: DockerStatus | undefined; remembered: boolean }) {
  if (!docker) return <>Looking for a Docker daemon…</>
  if (docker.available) {
    return (
      <>
        <span className="mr-1 inline-block size-1.5 rounded-full bg-emerald-500 align-middle" aria-hidden="true" />
        Docker {docker.version} answers at <span className="break-all font-mono">{docker.host}</span>
      </>
    )
  }
  return (
    <span title={docker.tried?.map((t) => `${t.host}: ${t.reason}`).join('\n')}>
      <span className="mr-1 inline-block size-1.5 rounded-full bg-amber-500 align-middle" aria-hidden="true" />
      Docker is not available: {docker.reason}. Start Docker or set DOCKER_HOST;{' '}
      {remembered ? 'this project builds with Docker again once it answers, with Layerlab’s engine until then' : 'Layerlab’s own engine builds meanwhile'}.
    </span>
  )
}
