import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base } from '@playwright/test'

const bin = fileURLToPath(new URL('../bin/layerlab.js', import.meta.url))

export interface ServedApp {
  /** The page address printed by `layerlab serve`, token included. */
  url: string
  origin: string
  /** The store `layerlab serve` builds into: a fresh directory for each worker (LAYERLAB_STORE). */
  store: string
}

/**
 * Starts the real `layerlab serve` (the built CLI) once per worker, with the test services'
 * DOCKER_HOST in its environment and a store of its own, and stops it afterwards.
 */
export const test = base.extend<object, { served: ServedApp }>({
  served: [
    // Playwright requires the fixture's first argument to be a destructuring pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const served = await startServe()
      await use(served)
      await served.stop()
    },
    { scope: 'worker' },
  ],
})

/**
 * A `layerlab serve` of its own, with a fresh store and `env` over the test's environment (a
 * DOCKER_HOST where no daemon answers, say). `stop` ends it and removes its store.
 */
export async function startServe(env: NodeJS.ProcessEnv = {}): Promise<ServedApp & { stop: () => Promise<void> }> {
  const store = mkdtempSync(join(tmpdir(), 'layerlab-e2e-store-'))
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
    env: { ...process.env, ...env, LAYERLAB_STORE: store },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(store, { recursive: true, force: true })
  }
  let url: string
  try {
    url = await printedUrl(child)
  } catch (error) {
    // No address in time: do not leave the server running (nor its store) behind the failure.
    await stop()
    throw error
  }
  return { url, origin: new URL(url).origin, store, stop }
}

function printedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`layerlab serve printed no address:\n${output}`)), 20_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /serving at (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`layerlab serve exited with ${code}:\n${output}`))
    })
  })
}

export { expect } from '@playwright/test'
