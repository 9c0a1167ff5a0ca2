// Checks that the test services are what the other integration tests assume. Run through
// scripts/with-services.ts it checks those services; run on its own it starts (and checks) its own.
import { createHash } from 'node:crypto'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from './require-service.js'
import { servicesEnv, startServices, type TestServices } from './services.js'
import { MANIFEST_ACCEPT } from './services/busybox.js'

const fromEnv = process.env.LAYERLAB_TEST_DOCKER_HOST !== undefined
// Known at collection time only when the services come from the environment; otherwise beforeAll
// starts both (or fails loudly, which is the point of this file).
const skipDocker = fromEnv && !serviceOrSkip('docker')
const skipRegistry = fromEnv && !serviceOrSkip('registry')

interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string }
}
interface Manifest {
  mediaType?: string
  manifests?: Descriptor[]
  config?: Descriptor
  layers?: Descriptor[]
}

let started: TestServices | undefined
let env: Record<string, string | undefined> = process.env

beforeAll(async () => {
  if (fromEnv) return
  started = await startServices({ log: (line) => console.log(`[services] ${line}`) })
  env = servicesEnv(started)
})

afterAll(async () => {
  await started?.stop()
})

function docker(): Docker {
  const host = env.LAYERLAB_TEST_DOCKER_HOST ?? ''
  if (!host.startsWith('unix://')) throw new Error(`expected a unix:// docker host, got "${host}"`)
  return new Docker({ socketPath: host.slice('unix://'.length) })
}

/** Splits the engine's multiplexed log stream (8-byte frame headers) and keeps stdout. */
function stdoutOf(raw: Buffer): string {
  let out = ''
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4)
    if (raw[i] === 1) out += raw.subarray(i + 8, i + 8 + size).toString()
    i += 8 + size
  }
  return out
}

describe('docker test service', () => {
  it.skipIf(skipDocker)('answers with a version', async () => {
    const version = await docker().version()
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/)
    expect(version.Version).toBeTruthy()
  })

  it.skipIf(skipDocker)('has busybox, which runs without a network and knows uid 1000', async () => {
    const image = env.LAYERLAB_TEST_BUSYBOX ?? 'busybox:latest'
    const d = docker()
    const info = await d.getImage(image).inspect()
    expect(info.Config.Cmd).toEqual(['sh'])

    const container = await d.createContainer({
      Image: image,
      Cmd: ['cat', '/etc/passwd'],
      HostConfig: { NetworkMode: 'none' },
    })
    try {
      await container.start()
      const result = (await container.wait()) as { StatusCode: number }
      const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer
      expect(result.StatusCode).toBe(0)
      expect(stdoutOf(logs)).toMatch(/^user:x:1000:1000:[^\n]*:\/home\/user:\/bin\/sh$/m)
    } finally {
      await container.remove({ force: true })
    }
  })
})

describe('registry test service', () => {
  it.skipIf(skipRegistry)('serves library/busybox:latest with a layer that matches its digest', async () => {
    const registry = env.LAYERLAB_TEST_REGISTRY ?? ''
    const ref = env.LAYERLAB_TEST_REGISTRY_BUSYBOX ?? `${registry}/library/busybox:latest`
    expect(ref.startsWith(`${registry}/`)).toBe(true)
    const [repo, tag] = ref.slice(registry.length + 1).split(':') as [string, string]
    const base = `http://${registry}/v2/${repo}`

    const get = async (path: string, accept?: string): Promise<Buffer> => {
      const res = await fetch(`${base}/${path}`, { headers: accept ? { Accept: accept } : {} })
      expect(res.status, `GET ${base}/${path}`).toBe(200)
      return Buffer.from(await res.arrayBuffer())
    }

    let manifest = JSON.parse((await get(`manifests/${tag}`, MANIFEST_ACCEPT)).toString()) as Manifest
    if (manifest.manifests) {
      // An index: follow the linux/amd64 entry, or the only one.
      const entry =
        manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ??
        manifest.manifests[0]
      expect(entry).toBeDefined()
      manifest = JSON.parse((await get(`manifests/${entry!.digest}`, MANIFEST_ACCEPT)).toString()) as Manifest
    }
    expect(manifest.layers?.length).toBeGreaterThan(0)

    for (const layer of manifest.layers ?? []) {
      const blob = await get(`blobs/${layer.digest}`)
      expect(blob.length).toBe(layer.size)
      expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(layer.digest)
    }
  })
})
