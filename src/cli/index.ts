import { buildCommand } from './commands/build'
import { exportCommand, historyCommand, loadCommand, saveCommand } from './commands/image-io'
import { parseCommand } from './commands/parse'
import { pullCommand, pushCommand } from './commands/registry'
import { serveCommand } from './commands/serve'
import { imagesCommand, pruneCommand, storeCommand } from './commands/store'
import { CliError, UsageError } from './usage-error'

const usage = `Usage: layerlab <command> [options]

Build container images and see how they are made.

Commands:
  build        build a Dockerfile with Layerlab's engine, saying why each step missed the cache
  export       write an image as an OCI image layout directory (skopeo, containerd)
  history      show the history of an image, as docker history does
  images       list the images in the store
  load         load images from a docker save archive or an OCI image layout
  parse        parse a Dockerfile as BuildKit does (JSON, or BuildKit's parser dump)
  prune        remove what no image, tag or cache entry needs
  pull         pull an image from a registry into the store
  push         push an image from the store to a registry
  save         write images to a tar archive that docker load accepts
  serve        serve the Layerlab UI to a browser on 127.0.0.1
  store check  verify every blob and reference in the store

Options:
  -h, --help     show this help (also: layerlab <command> --help)
  -v, --version  print the version

Run "npm start" in the repository for the desktop app.`

type Command = (argv: string[]) => Promise<number>

const commands: Record<string, Command> = {
  build: buildCommand,
  export: exportCommand,
  history: historyCommand,
  images: imagesCommand,
  load: loadCommand,
  parse: parseCommand,
  prune: pruneCommand,
  pull: pullCommand,
  push: pushCommand,
  save: saveCommand,
  serve: serveCommand,
  store: storeCommand,
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    console.log(usage)
    return first === undefined ? 2 : 0
  }
  if (first === '-v' || first === '--version') {
    console.log(__LAYERLAB_VERSION__)
    return 0
  }
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined
  try {
    if (!command) throw new UsageError(`unknown command "${first}"`)
    return await command(rest)
  } catch (error) {
    return report(error)
  }
}

function report(error: unknown): number {
  // parseArgs throws TypeErrors with a code for unknown or malformed options.
  const code = (error as { code?: unknown }).code
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    console.error(`layerlab: ${(error as Error).message}\nRun "layerlab --help" for usage.`)
    return 2
  }
  if (error instanceof CliError) {
    console.error(`layerlab: ${error.message}`)
    return 1
  }
  console.error(`layerlab: unexpected error: ${error instanceof Error ? error.message : String(error)}`)
  if (process.env.LAYERLAB_DEBUG) console.error(error)
  return 1
}
