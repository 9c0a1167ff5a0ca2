import { CliError, UsageError } from './usage-error'

const usage = `Usage: layerlab <command> [options]

Build container images and see how they are made.

Commands:
  analyze      show the space an image wastes (overwritten or deleted files), for CI too
  build        build a Dockerfile with Layerlab's engine, saying why each step missed the cache
  diff         compare two builds or images layer by layer: size deltas and changed files
  export       write an image as an OCI image layout directory (skopeo, containerd)
  history      show the history of an image, as docker history does
  images       list the images in the store
  load         load images from a docker save archive or an OCI image layout
  lint         check a Dockerfile for size and cache costs, measured in the last build
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

// Each command's module is imported only when that command runs: every start compiles what it
// loads (Node 20 keeps no compile cache for ES modules), and the bundle is split along these
// imports (scripts/build-cli.mjs), so `layerlab build` never parses the analysis, the web server
// or the registry client.
const commands: Record<string, () => Promise<Command>> = {
  analyze: async () => (await import('./commands/analyze')).analyzeCommand,
  build: async () => (await import('./commands/build')).buildCommand,
  diff: async () => (await import('./commands/diff')).diffCommand,
  export: async () => (await import('./commands/image-io')).exportCommand,
  history: async () => (await import('./commands/image-io')).historyCommand,
  images: async () => (await import('./commands/store')).imagesCommand,
  load: async () => (await import('./commands/image-io')).loadCommand,
  lint: async () => (await import('./commands/lint')).lintCommand,
  parse: async () => (await import('./commands/parse')).parseCommand,
  prune: async () => (await import('./commands/store')).pruneCommand,
  pull: async () => (await import('./commands/registry')).pullCommand,
  push: async () => (await import('./commands/registry')).pushCommand,
  save: async () => (await import('./commands/image-io')).saveCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
  store: async () => (await import('./commands/store')).storeCommand,
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
  const loadCommand = Object.hasOwn(commands, first) ? commands[first] : undefined
  try {
    if (!loadCommand) throw new UsageError(`unknown command "${first}"`)
    const command = await loadCommand()
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
