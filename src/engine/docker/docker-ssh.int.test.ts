import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { BuildEvent, StepLayerEvent } from '../../shared/build-events'
import { openStore, type Store } from '../store'
import { parseDockerHost } from './connection'
import { DaemonImages } from './daemon-layers'
import { DockerBackend } from './docker-backend'
import { savedLayerFacts } from './docker-save.test-support'
import { startSshDockerHost, type SshDockerHost } from './ssh-docker-host.test-support'

const host = serviceOrSkip('docker')
let dir: string
let store: Store
let remote: SshDockerHost

beforeAll(async () => {
  if (!host) return
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-docker-ssh-int-'))
  store = await openStore(path.join(dir, 'store'))
  const local = parseDockerHost(host)
  if (local.kind !== 'socket') throw new Error(`the test daemon is not on a socket: ${host}`)
  remote = await startSshDockerHost(dir, local.socketPath)
}, 30_000)
afterAll(async () => {
  await remote?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe.skipIf(!host)('the Docker backend over ssh://', () => {
  it('builds and opens the image through an ssh connection', async () => {
    const context = path.join(dir, 'ctx')
    await mkdir(context, { recursive: true })
    await writeFile(path.join(context, 'Dockerfile'), 'FROM busybox:latest\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\n')
    await writeFile(path.join(context, 'a.txt'), `over ssh ${Date.now()}\n`)
    const env = { HOME: remote.home, DOCKER_HOST: `ssh://me@127.0.0.1:${remote.port}` }
    const events: BuildEvent[] = []
    // No connection given: discovery finds the ssh host in DOCKER_HOST.
    const outcome = await new DockerBackend({ env, store }).build({ contextDir: context, tags: ['layerlab-ssh:1'] }, (e) => events.push(e))
    expect(outcome.status, JSON.stringify(events.at(-1))).toBe('succeeded')
    expect(remote.commands).toContain('docker system dial-stdio')

    const saved = await savedLayerFacts(host, 'layerlab-ssh:1', dir)
    const layered = events.filter((e): e is StepLayerEvent => e.type === 'step-layer')
    expect(layered.map((e) => e.layer)).toEqual(saved.slice(-2).map((l) => ({ diffId: l.diffId, size: l.size })))

    const images = new DaemonImages(env)
    expect((await images.layers('layerlab-ssh:1')).sizes).toEqual(saved.map((l) => l.size))
    const diffs = await images.diffs('layerlab-ssh:1')
    expect(diffs.at(-1)?.changes.some((c) => c.path === 'b.txt' && c.change === 'added')).toBe(true)
  }, 60_000)
})
