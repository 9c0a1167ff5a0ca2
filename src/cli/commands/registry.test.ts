import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeRegistry } from '../../engine/registry/fake-registry.test-support'
import { seedImage, tempStore } from '../../engine/registry/registry-fixtures.test-support'
import { resolveImage } from '../../engine/store'
import { CliError, UsageError } from '../usage-error'
import { pullCommand, pushCommand } from './registry'

// Until src/engine/index.ts exports the registry client, the command module finds it here; once
// it does, this only re-exports what is already there.

const running: FakeRegistry[] = []
let lines: string[] = []
let errors: string[] = []
// No developer's ~/.docker credentials leak into these tests.
const emptyDockerConfig = mkdtempSync(path.join(tmpdir(), 'layerlab-docker-config-'))
beforeEach(() => {
  lines = []
  errors = []
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
  vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line))
  vi.stubEnv('DOCKER_CONFIG', emptyDockerConfig)
})
afterEach(async () => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  await Promise.all(running.splice(0).map((r) => r.close()))
})

async function registry(): Promise<FakeRegistry> {
  const fake = new FakeRegistry({ auth: 'bearer' })
  running.push(fake)
  await fake.start()
  return fake
}

describe('layerlab pull / push (command functions)', () => {
  it('pulls with docker-like progress, then says the image is up to date', async () => {
    const fake = await registry()
    const image = seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    const ref = `${fake.host}/library/app:1`
    expect(await pullCommand(['--store', store.dir, ref])).toBe(0)
    const short = (d: string): string => d.slice(7, 19)
    // Layers download in parallel: their lines come in any order.
    expect(lines.slice(1, 3).sort()).toEqual(image.layers.map((l) => `${short(l.digest)}: Pull complete (${l.size}B)`).sort())
    expect(lines.filter((_, i) => i < 1 || i > 2)).toEqual([`1: Pulling from ${fake.host}/library/app`, `Digest: ${image.manifest.digest}`, `Status: Downloaded newer image for ${ref}`, ref])
    expect((await resolveImage(store, ref)).manifestDescriptor.digest).toBe(image.manifest.digest)

    lines = []
    expect(await pullCommand(['--store', store.dir, ref])).toBe(0)
    expect(lines.filter((l) => l.endsWith('Already exists'))).toHaveLength(2)
    expect(lines).toContain(`Status: Image is up to date for ${ref}`)
  })

  it('pushes, saying which layers the registry already had', async () => {
    const fake = await registry()
    seedImage(fake, 'library/app', '1')
    const store = await tempStore()
    await pullCommand(['--store', store.dir, `${fake.host}/library/app:1`])
    lines = []
    // Anonymous tokens of this fake registry cannot push.
    await expect(pushCommand(['--store', store.dir, `${fake.host}/library/app:1`])).rejects.toThrow(CliError)
    const open = new FakeRegistry()
    running.push(open)
    await open.start()
    const other = await tempStore()
    seedImage(open, 'library/app', '1')
    await pullCommand(['--store', other.dir, `${open.host}/library/app:1`])
    lines = []
    expect(await pushCommand(['--store', other.dir, `${open.host}/library/app:1`])).toBe(0)
    expect(lines[0]).toBe(`The push refers to repository [${open.host}/library/app]`)
    expect(lines.filter((l) => l.endsWith('Layer already exists'))).toHaveLength(3)
    expect(lines.at(-1)).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/)
  })

  it('reports usage mistakes and registry errors as such', async () => {
    const fake = await registry()
    const store = await tempStore()
    await expect(pullCommand(['--store', store.dir])).rejects.toThrow(UsageError)
    await expect(pullCommand(['--store', store.dir, 'App'])).rejects.toThrow(UsageError)
    await expect(pullCommand(['--store', store.dir, `${fake.host}/library/none:1`])).rejects.toThrow(
      new CliError(`manifest unknown: ${fake.host}/library/none:1 not found`),
    )
    await expect(pullCommand(['--store', store.dir, '--platform', 'linux//', `${fake.host}/library/none:1`])).rejects.toThrow(/invalid platform/)
  })
})

// The binary knows these commands once src/cli/index.ts lists them and the bundle is rebuilt.
// Until then this part skips with a warning locally, and fails under CI, where skipping would
// hide that the commands are missing.
const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))
const wired = spawnSync(process.execPath, [bin, 'pull', '--help'], { encoding: 'utf8', timeout: 20_000 }).status === 0
if (!wired) {
  if (process.env.CI === 'true') throw new Error('layerlab pull is not available: wire src/cli/commands/registry.ts into src/cli/index.ts and rebuild')
  console.warn('skipping the layerlab pull/push binary tests: "layerlab pull" is not in the built CLI yet (wire it in src/cli/index.ts, run node scripts/build-cli.mjs)')
}

/** Asynchronous on purpose: the fake registry answers from this process's event loop. */
function layerlab(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DOCKER_CONFIG: emptyDockerConfig } })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

describe.skipIf(!wired)('layerlab pull / push (the binary)', () => {
  it('pulls, pushes under the same name, and fails with one line for an unknown tag', async () => {
    vi.restoreAllMocks()
    const open = new FakeRegistry()
    running.push(open)
    await open.start()
    const image = seedImage(open, 'library/app', '1')
    const store = await tempStore()
    const ref = `${open.host}/library/app:1`
    const pulled = await layerlab(['pull', '--store', store.dir, ref])
    expect(pulled).toMatchObject({ code: 0, err: '' })
    expect(pulled.out).toContain(`Digest: ${image.manifest.digest}\nStatus: Downloaded newer image for ${ref}\n${ref}\n`)
    const pushed = await layerlab(['push', '--store', store.dir, ref])
    expect(pushed).toMatchObject({ code: 0, err: '' })
    expect(pushed.out).toContain(`1: digest: ${image.manifest.digest} size: ${image.manifest.size}`)
    const unknown = await layerlab(['pull', '--store', store.dir, `${open.host}/library/app:2`])
    expect(unknown).toEqual({ code: 1, out: `2: Pulling from ${open.host}/library/app\n`, err: `layerlab: manifest unknown: ${open.host}/library/app:2 not found\n` })
    expect((await layerlab(['pull', '--help'])).out).toContain('Usage: layerlab pull')
  })
})
