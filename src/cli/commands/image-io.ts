import { createWriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { exportOciLayout, formatHistoryTable, imageHistory, importFromDaemon, loadImages, saveDockerArchive } from '../../engine'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

const helpOption = `  -h, --help         show this help`

export const saveUsage = `Usage: layerlab save [-o FILE] IMAGE...

Writes images to a tar archive that "docker load" accepts (docker-archive; also an OCI
layout, for skopeo's oci-archive). Layers are written uncompressed, as docker save does:
pipe through gzip for a smaller file, layerlab load and docker load read both.

Options:
  -o, --output FILE  write to FILE (default, or "-": stdout, which must not be a terminal)
${storeOptionHelp}
${helpOption}`

export async function saveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { output: { type: 'string', short: 'o' }, store: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return help(saveUsage)
  if (positionals.length === 0) throw new UsageError('layerlab save needs at least one IMAGE')
  const output = values.output ?? '-'
  if (output === '-' && process.stdout.isTTY) {
    throw new UsageError('refusing to write an image archive to a terminal: use -o FILE or redirect stdout')
  }
  const store = await openStoreOption(values.store)
  if (output === '-') {
    await engine(() => saveDockerArchive(store, positionals, process.stdout, { end: false }))
    return 0
  }
  // Written beside the target and renamed at the end: a failed save leaves no half archive.
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.tmp`)
  const out = createWriteStream(temp, { flags: 'wx' })
  try {
    await engine(() => saveDockerArchive(store, positionals, out))
    await rename(temp, output)
  } catch (error) {
    out.destroy()
    await unlink(temp).catch(() => undefined)
    throw error
  }
  return 0
}

export const exportUsage = `Usage: layerlab export --oci DIR [--name NAME] IMAGE

Writes an image as an OCI image layout directory, for skopeo (oci:DIR:NAME), containerd,
crane or umoci. Blobs are hard-linked from the store when DIR is on the same filesystem.
An existing layout gains the image; any other non-empty DIR is refused.

Options:
      --oci DIR      the layout directory to write (required)
      --name NAME    the image's name in the layout (default: the image's tag)
${storeOptionHelp}
${helpOption}`

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { oci: { type: 'string' }, name: { type: 'string' }, store: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return help(exportUsage)
  if (positionals.length !== 1) throw new UsageError('layerlab export needs exactly one IMAGE')
  if (!values.oci) throw new UsageError('layerlab export needs --oci DIR')
  const store = await openStoreOption(values.store)
  const dir = values.oci
  const result = await engine(() => exportOciLayout(store, positionals[0] as string, dir, values.name === undefined ? {} : { refName: values.name }))
  console.log(`Exported ${positionals[0]} to oci:${result.dir}:${result.refName}`)
  return 0
}

export const loadUsage = `Usage: layerlab load [-i FILE | FILE | DIR | --from-docker IMAGE]

Loads images from a "docker save" archive (tar, or gzip-compressed tar) or an OCI image
layout (directory or tar), or from stdin when no input is named. Every digest and diffID is
checked; nothing is extracted to disk.

Options:
  -i, --input FILE   read from FILE ("-": stdin)
      --from-docker IMAGE
                     copy IMAGE from the local Docker daemon (DOCKER_HOST or its socket)
${storeOptionHelp}
${helpOption}`

export async function loadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', short: 'i' },
      'from-docker': { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return help(loadUsage)
  const fromDocker = values['from-docker']
  if (fromDocker !== undefined) {
    if (positionals.length > 0 || values.input !== undefined) throw new UsageError('--from-docker takes no FILE')
    const store = await openStoreOption(values.store)
    const result = await engine(() => importFromDaemon(store, fromDocker))
    for (const image of result.images) for (const tag of image.tags) console.log(`Loaded image: ${tag}`)
    return 0
  }
  if (positionals.length > 1 || (positionals.length === 1 && values.input !== undefined)) throw new UsageError('layerlab load reads one input')
  const input = values.input ?? positionals[0] ?? '-'
  if (input === '-' && process.stdin.isTTY) throw new UsageError('layerlab load needs a FILE, a DIR or an archive on stdin')
  const store = await openStoreOption(values.store)
  const result = await engine(() => (input === '-' ? loadImages(store, process.stdin, { label: 'stdin' }) : loadImages(store, input)))
  for (const image of result.images) {
    if (image.tags.length === 0) console.log(`Loaded image ID: ${image.configDigest}`)
    for (const tag of image.tags) console.log(`Loaded image: ${tag}`)
  }
  return 0
}

export const historyUsage = `Usage: layerlab history [--no-trunc] [--human=false] [-q] IMAGE

Shows the history of an image as "docker history" does: newest step first, with the
unpacked size of the layer each step made.

Options:
  -H, --human=BOOL   sizes and dates in human-readable form (default true)
      --no-trunc     do not truncate IDs and CREATED BY
  -q, --quiet        only show image IDs
${storeOptionHelp}
${helpOption}`

export async function historyCommand(argv: string[]): Promise<number> {
  let human = true
  const args: string[] = []
  for (const [i, arg] of argv.entries()) {
    if (arg === '--') {
      args.push(...argv.slice(i))
      break
    }
    // Docker's flags are Go booleans: `--human=false` must work, which parseArgs does not allow.
    const value = /^(?:--human|-H)=(.*)$/s.exec(arg)?.[1]
    if (value !== undefined) human = parseGoBool(value, arg)
    else if (arg !== '--human' && arg !== '-H') args.push(arg)
  }
  const { values, positionals } = parseArgs({
    args,
    options: {
      'no-trunc': { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return help(historyUsage)
  if (positionals.length !== 1) throw new UsageError('layerlab history needs exactly one IMAGE')
  const store = await openStoreOption(values.store)
  const rows = await engine(() => imageHistory(store, positionals[0] as string))
  const trunc = !values['no-trunc']
  if (values.quiet) {
    for (const row of rows) console.log(trunc ? row.id.replace(/^sha256:/, '').slice(0, 12) : row.id)
  } else {
    console.log(formatHistoryTable(rows, { trunc, human }))
  }
  return 0
}

function parseGoBool(value: string, flag: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag.split('=')[0]}: expected true or false`)
}

function help(text: string): number {
  console.log(text)
  return 0
}

/** Errors the engine explains itself (bad archive, missing image, disk full) become one line. */
const EXPLAINED = new Set(['ImageIoError', 'StoreError', 'TarFormatError', 'TarHeaderError', 'LayerEntryError'])

async function engine<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (!(error instanceof Error)) throw error
    const code = (error as { code?: unknown }).code
    if (EXPLAINED.has(error.name) || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) throw new CliError(error.message)
    throw error
  }
}
