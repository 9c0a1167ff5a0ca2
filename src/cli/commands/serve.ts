import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createEngineApi } from '../../engine'
import { rendererCsp } from '../../shared/csp'
import { startBrowserHost } from '../browser-host'
import { rendererDir } from '../package-root'
import { CliError, UsageError } from '../usage-error'

export const serveUsage = `Usage: layerlab serve [--port N] [--open]

Serves the Layerlab UI to a browser on 127.0.0.1 and prints its address. The address carries a
token that is new on every run; only pages opened with it can reach the engine.

Options:
  -p, --port N   listen on port N (default: any free port)
      --open     open the page in the default browser
  -h, --help     show this help`

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      open: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    console.log(serveUsage)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not "${values.port}"`)

  const dir = rendererDir()
  if (!existsSync(join(dir, 'index.html'))) {
    throw new CliError(`the UI is not built (no ${join(dir, 'index.html')}): run "npm run build" first`)
  }

  const api = createEngineApi()
  const host = await startBrowserHost({ api, rendererDir: dir, contentSecurityPolicy: rendererCsp, port }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new CliError(`port ${port} on 127.0.0.1 is already in use`)
      throw error
    },
  )
  console.log(`Layerlab is serving at ${host.url}`)
  console.log('Press Ctrl-C to stop.')
  if (values.open) openInBrowser(host.url)

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  console.log('Stopping: cancelling running builds…')
  await host.close()
  await api.close()
  return 0
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  const child = spawn(command, args, { stdio: 'ignore', detached: true })
  child.on('error', () => console.error(`layerlab: could not open a browser; open ${url} yourself`))
  child.unref()
}
