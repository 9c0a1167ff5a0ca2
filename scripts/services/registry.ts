// A private plain-HTTP registry (Distribution 2.8) on a loopback port, storing into the temp dir.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { logTail, spawnDaemon, type Daemon, type Log } from './proc.js'

export interface Registry {
  daemon: Daemon
  /** host:port */
  address: string
}

const READY_TIMEOUT_MS = 30_000
const PORT_ATTEMPTS = 3

export async function startRegistry(workDir: string, registryBin: string, log: Log): Promise<Registry> {
  const storage = join(workDir, 'registry-data')
  await mkdir(storage, { recursive: true })
  // The port is free when we look but could be taken before the registry binds it; a registry that
  // exits during start-up is retried on a fresh port rather than failing the whole run.
  let lastError: Error | undefined
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort()
    const address = `127.0.0.1:${port}`
    const configFile = join(workDir, 'registry.yml')
    const logFile = join(workDir, 'registry.log')
    await writeFile(configFile, registryConfig(storage, address))
    log(`starting registry on ${address} (log: ${logFile})`)
    const daemon = await spawnDaemon('docker-registry', registryBin, ['serve', configFile], logFile)
    try {
      await waitUntilServing(daemon, address)
      return { daemon, address }
    } catch (err) {
      await daemon.stop(5_000)
      lastError = err as Error
      if (!daemon.hasExited() || !/address already in use/i.test(lastError.message)) break
    }
  }
  throw lastError ?? new Error('registry did not start')
}

function registryConfig(storage: string, address: string): string {
  // JSON strings are valid YAML scalars, which saves us from YAML quoting rules for paths.
  const q = (s: string): string => JSON.stringify(s)
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(storage)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${q(address)}`,
    // Without a secret the registry logs a warning and makes one up; set it so the log stays quiet.
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
    '',
  ].join('\n')
}

async function waitUntilServing(daemon: Daemon, address: string): Promise<void> {
  const url = `http://${address}/v2/`
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last: string
  for (;;) {
    if (daemon.hasExited()) {
      throw new Error(`registry stopped during start-up (${await daemon.exited}):\n${await logTail(daemon.logFile)}`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await res.body?.cancel()
      if (res.status === 200) return
      last = `HTTP ${res.status}`
    } catch (err) {
      // undici says only "fetch failed"; the cause names the actual problem (ECONNREFUSED, ...)
      const e = err as Error & { cause?: Error }
      last = e.cause?.message ?? e.message
    }
    if (Date.now() > deadline) {
      throw new Error(`registry did not answer 200 on ${url} within ${READY_TIMEOUT_MS / 1000} s (last: ${last}):\n${await logTail(daemon.logFile)}`)
    }
    await sleep(100)
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address()
      server.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port)
        else reject(new Error('could not determine a free port'))
      })
    })
  })
}
