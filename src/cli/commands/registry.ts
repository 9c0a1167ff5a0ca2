import { parseArgs } from 'node:util'
import { familiarReference, parseImageReference, pullImage, pushImage, type PullProgress, type PushProgress } from '../../engine'
import { formatSize } from '../../shared/format'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

const registryHelp = `Credentials come from the docker CLI's config (~/.docker/config.json or $DOCKER_CONFIG,
credential helpers included), so "docker login" logs Layerlab in too. Plain http is used only
for loopback registries (localhost, 127.0.0.0/8, [::1]) and those named with --insecure-registry
or in $LAYERLAB_INSECURE_REGISTRIES (comma-separated hosts, host:port or CIDR ranges).`

const commonOptions = `      --insecure-registry HOST  reach HOST (host[:port]) over plain http; repeatable
${storeOptionHelp}
  -h, --help         show this help`

export const pullUsage = `Usage: layerlab pull [--platform OS/ARCH[/VARIANT]] IMAGE

Pulls an image from a registry into the Layerlab store, as docker pull does: a multi-platform
image resolves to this machine's platform (or --platform), blobs already in the store are not
fetched again, and every blob is checked against its digest before the tag moves.

${registryHelp}

Options:
      --platform P   the platform to take from a multi-platform image (default: linux/<this CPU>)
${commonOptions}`

export const pushUsage = `Usage: layerlab push IMAGE

Pushes an image from the Layerlab store to the registry its name points at
(build it with -t registry.example:5000/team/app:1). Blobs the registry already has are
skipped; on the same registry they are mounted from the repository the image came from.

${registryHelp}

Options:
${commonOptions}`

const options = {
  store: { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h', default: false },
} as const

export async function pullCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...options, platform: { type: 'string' } }, allowPositionals: true, strict: true })
  if (values.help) return help(pullUsage)
  const image = single(positionals, 'pull')
  const store = await openStoreOption(values.store)
  const ref = parseReference(image)
  const progress = progressPrinter<PullProgress>((e) => (e.status === 'exists' ? 'Already exists' : e.status === 'done' ? `Pull complete (${formatSize(e.total)})` : 'Downloading'))
  console.log(`${ref.digest ?? ref.tag}: Pulling from ${familiarReference({ domain: ref.domain, path: ref.path })}`)
  const result = await explained(() =>
    pullImage(store, image, {
      onProgress: progress,
      insecureRegistries: values['insecure-registry'] ?? [],
      ...(values.platform === undefined ? {} : { platform: values.platform }),
    }),
  )
  for (const warning of result.warnings) console.error(`WARNING: ${warning}`)
  console.log(`Digest: ${result.digest}`)
  console.log(`Status: ${result.bytesFetched > 0 ? 'Downloaded newer image' : 'Image is up to date'} for ${result.familiar}`)
  console.log(result.reference)
  return 0
}

export async function pushCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  if (values.help) return help(pushUsage)
  const image = single(positionals, 'push')
  const store = await openStoreOption(values.store)
  const ref = parseReference(image)
  console.log(`The push refers to repository [${ref.domain}/${ref.path}]`)
  const progress = progressPrinter<PushProgress>((e) =>
    e.status === 'exists' ? 'Layer already exists' : e.status === 'mounted' ? 'Mounted from its source repository' : e.status === 'done' ? `Pushed (${formatSize(e.total)})` : 'Pushing',
  )
  const result = await explained(() => pushImage(store, image, { onProgress: progress, insecureRegistries: values['insecure-registry'] ?? [] }))
  console.log(`${ref.tag ?? 'latest'}: digest: ${result.digest} size: ${result.size}`)
  return 0
}

/**
 * Docker's non-terminal progress: one line when a blob is settled, and while it moves at most
 * one line a second with the bytes so far (a big layer shows it is alive, a small one is quiet).
 */
function progressPrinter<E extends { layer: string; current: number; total: number; status: string }>(label: (e: E) => string): (e: E) => void {
  const lastShown = new Map<string, number>()
  return (event) => {
    const id = event.layer.slice('sha256:'.length, 'sha256:'.length + 12)
    const moving = event.status === 'downloading' || event.status === 'uploading'
    if (moving) {
      const now = Date.now()
      const last = lastShown.get(event.layer)
      if (last === undefined) lastShown.set(event.layer, now)
      if (last === undefined || now - last < 1000 || event.current === 0) return
      lastShown.set(event.layer, now)
      console.log(`${id}: ${label(event)} ${formatSize(event.current)}/${formatSize(event.total)}`)
      return
    }
    console.log(`${id}: ${label(event)}`)
  }
}

function single(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`layerlab ${command} needs exactly one IMAGE`)
  return positionals[0] as string
}

function parseReference(image: string): ReturnType<typeof parseImageReference> {
  try {
    return parseImageReference(image)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** Registry and store errors are written for people: one line, no stack. */
async function explained<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof Error && (error.name === 'RegistryError' || error.name === 'StoreError')) throw new CliError(error.message)
    throw error
  }
}

function help(text: string): number {
  console.log(text)
  return 0
}
