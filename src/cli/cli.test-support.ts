import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI, as a user runs it (the bundle `npm run build` writes). */
export const layerlabBin = fileURLToPath(new URL('../../bin/layerlab.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `layerlab ARGS` in a fresh process and waits for it. */
export function runLayerlab(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [layerlabBin, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 << 20,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
