import { existsSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { EmbeddedBackend, familiarReference, forecastBuild, parseImageReference, type Backend } from '../../engine'
import type { BuildEvent, StepFinishedEvent } from '../../shared/build-events'
import { printForecast } from '../forecast-plain'
import { plainProgress } from '../progress-plain'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

export const buildUsage = `Usage: layerlab build [options] CONTEXT

Builds the Dockerfile in CONTEXT with Layerlab's engine and stores the image, or hands the build
to the local Docker daemon (--backend docker; the image then lives in the daemon). Either way,
every step that misses the cache says why.

Options:
  -f, --file FILE            the Dockerfile (default: CONTEXT/Dockerfile)
  -t, --tag NAME[:TAG]       name the image (repeatable)
      --build-arg K=V        set a build argument (repeatable; K alone takes it from the environment)
      --target STAGE         build this stage and what it needs
      --no-cache             build every step
      --dry-run              run nothing: say which steps would come from the cache and which
                             would rebuild, and why (--progress json: as one JSON object)
      --progress MODE        auto, plain or json (one event per line); default auto
      --backend NAME         embedded (default) or docker (the local Docker daemon)
      --builder NAME         with --backend docker: buildkit (default) or legacy
      --network MODE         with --backend docker: network for RUN steps (e.g. none)
${storeOptionHelp}
  -h, --help                 show this help`

export async function buildCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f' },
      tag: { type: 'string', short: 't', multiple: true, default: [] },
      'build-arg': { type: 'string', multiple: true, default: [] },
      target: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      progress: { type: 'string', default: 'auto' },
      backend: { type: 'string', default: 'embedded' },
      builder: { type: 'string', default: 'buildkit' },
      network: { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  })
  if (values.help) {
    console.log(buildUsage)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('layerlab build needs exactly one CONTEXT directory')
  const contextDir = positionals[0] ?? '.'
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) throw new CliError(`${contextDir}: not a directory`)
  if (!['auto', 'plain', 'json'].includes(values.progress)) {
    throw new UsageError(`--progress must be auto, plain or json, not "${values.progress}"`)
  }

  if (!['embedded', 'docker'].includes(values.backend)) throw new UsageError(`--backend must be embedded or docker, not "${values.backend}"`)
  if (!['buildkit', 'legacy'].includes(values.builder)) throw new UsageError(`--builder must be buildkit or legacy, not "${values.builder}"`)

  if (values['dry-run'] && values.backend !== 'embedded') throw new UsageError('--dry-run forecasts Layerlab\'s own cache: it cannot be used with --backend docker')

  const store = await openStoreOption(values.store)
  if (values['dry-run']) {
    const forecast = await forecastBuild(store, {
      contextDir,
      ...(values.file ? { dockerfile: values.file } : {}),
      buildArgs: parseBuildArgs(values['build-arg']),
      ...(values.target ? { target: values.target } : {}),
      noCache: values['no-cache'],
    })
    if (values.progress === 'json') console.log(JSON.stringify(forecast))
    if (forecast.error) throw new CliError(`${forecast.dockerfile}: ${forecast.error.message}`)
    if (values.progress !== 'json') printForecast(forecast, (line) => console.log(line))
    return 0
  }
  let backend: Backend
  if (values.backend === 'docker') {
    // Imported only when asked for: the Docker backend brings BuildKit's protobuf trace decoder,
    // about a third of what an embedded build would otherwise load and compile on every start.
    const { DockerBackend } = await import('../../engine')
    backend = new DockerBackend({ store, builder: values.builder as 'buildkit' | 'legacy', ...(values.network ? { network: values.network } : {}) })
  } else {
    backend = new EmbeddedBackend({ store })
  }
  const controller = new AbortController()
  const cancel = (): void => controller.abort(new Error('cancelled'))
  process.once('SIGINT', cancel)
  process.once('SIGTERM', cancel)

  const show = values.progress === 'json' ? (e: BuildEvent) => console.log(JSON.stringify(e)) : plainProgress((l) => console.error(l))
  const steps: StepFinishedEvent[] = []
  let failure: string | undefined
  const outcome = await backend.build(
    {
      contextDir,
      ...(values.file ? { dockerfile: values.file } : {}),
      tags: values.tag,
      buildArgs: parseBuildArgs(values['build-arg']),
      ...(values.target ? { target: values.target } : {}),
      noCache: values['no-cache'],
    },
    (event) => {
      show(event)
      if (event.type === 'step-finished') steps.push(event)
      if (event.type === 'step-layer') {
        const at = steps.findIndex((s) => s.stepId === event.stepId)
        if (at >= 0) steps[at] = { ...steps[at]!, layer: event.layer }
      }
      if (event.type === 'build-finished' && event.error) failure = event.error.message
    },
    controller.signal,
  )
  process.off('SIGINT', cancel)
  process.off('SIGTERM', cancel)

  if (outcome.status !== 'succeeded') {
    throw new CliError(outcome.status === 'cancelled' ? 'build cancelled' : `build failed: ${failure ?? 'unknown error'}`)
  }
  if (values.progress !== 'json') {
    const layered = steps.filter((s) => s.layer)
    const cached = layered.filter((s) => s.status === 'cached').length
    const tag = outcome.image?.tags[0]
    const name = tag ? familiarReference(parseImageReference(tag)) : outcome.image?.digest
    console.error(`Built ${name}: ${cached} of ${layered.length} layer steps from cache`)
  }
  return 0
}

function parseBuildArgs(pairs: string[]): Record<string, string> {
  const args: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq === 0) throw new UsageError(`--build-arg "${pair}" has no name`)
    if (eq > 0) args[pair.slice(0, eq)] = pair.slice(eq + 1)
    else if (process.env[pair] !== undefined) args[pair] = process.env[pair] ?? ''
  }
  return args
}
