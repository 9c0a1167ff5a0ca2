// Wasted space of real builds: an image built by Layerlab FROM the test registry's busybox whose
// later steps delete, overwrite and re-chmod files written earlier, analyzed through the
// contract by its build id; and the same Dockerfile built by the daemon's BuildKit, analyzed
// from the daemon, must waste exactly as many bytes.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerCli } from '../../../scripts/docker-cli'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { ImageWaste } from '../../shared/analysis-api'
import type { BuildFinishedEvent } from '../../shared/build-events'
import { createEngineApi, type EngineApi } from '../api'
import { saveDockerArchive } from '../image-io'
import { openStore } from '../store'
import { createImageAnalyzer } from './analyze-image'

const dockerHost = serviceOrSkip('docker')
const registry = serviceOrSkip('registry')
const docker = dockerCli(dockerHost)

const MiB = 1 << 20
const dockerfile = (base: string) => `FROM ${base}
RUN head -c ${MiB} /dev/zero > /big.bin && head -c ${MiB / 2} /dev/urandom > /data.bin
COPY blob.bin /opt/blob.bin
COPY blob.bin /opt/copy.bin
RUN rm /big.bin && echo small > /data.bin
RUN chmod 600 /opt/blob.bin
`

let dir: string
let project: string
let api: EngineApi
const tags = { ours: 'layerlab-test/waste:ll', theirs: 'layerlab-test/waste:bk' }

beforeAll(async () => {
  if (!dockerHost || !registry) return
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-waste-'))
  project = path.join(dir, 'project')
  await mkdir(project)
  await writeFile(path.join(project, 'Dockerfile'), dockerfile(`${registry}/library/busybox`))
  await writeFile(path.join(project, 'blob.bin'), randomBytes(MiB))
  api = createEngineApi({ storeDir: path.join(dir, 'store'), dockerPollMs: 3_600_000 })
})

afterAll(async () => {
  if (!dockerHost || !registry) return
  await api.close()
  try {
    docker('rmi', '-f', tags.ours, tags.theirs)
  } catch {
    // Not loaded: a failed test already said why.
  }
  await rm(dir, { recursive: true, force: true })
})

async function buildHere(): Promise<string> {
  const events: BuildFinishedEvent[] = []
  const unsubscribe = api.subscribe((e) => {
    if (e.event === 'buildEvent' && e.payload.type === 'build-finished') events.push(e.payload)
  })
  try {
    const { buildId } = await api.handlers.startBuild({ dir: project, tags: [tags.ours] })
    const deadline = Date.now() + 180_000
    while (!events.some((e) => e.buildId === buildId)) {
      if (Date.now() > deadline) throw new Error(`build ${buildId} did not finish`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(events.find((e) => e.buildId === buildId)?.status).toBe('succeeded')
    return buildId
  } finally {
    unsubscribe()
  }
}

describe.skipIf(!dockerHost || !registry)('wasted space of real builds', () => {
  let buildId: string
  let waste: ImageWaste

  beforeAll(async () => {
    buildId = await buildHere()
    waste = await api.handlers.analyzeImage({ buildId })
  }, 240_000)

  it('counts the deleted file, the overwritten file and the chmod-rewritten file, each once', async () => {
    const layers = await api.handlers.imageLayers({ buildId })
    const top = layers.layers.length - 1
    // Layers, counted from the top: chmod, rm/overwrite, COPY copy.bin, COPY blob.bin, RUN head.
    const [chmod, cleanup, write] = [top, top - 1, top - 4]
    expect(waste).toMatchObject({ buildId, image: layers.image, contentHashed: true })
    expect(waste.wastedBytes).toBe(MiB + MiB / 2 + MiB)
    expect(waste.wastedPaths).toEqual([
      { path: 'big.bin', wastedBytes: MiB, copies: 1, writtenIn: [write], removedIn: [cleanup], stillPresent: false, unchangedRewrites: 0 },
      { path: 'opt/blob.bin', wastedBytes: MiB, copies: 1, writtenIn: [top - 3], removedIn: [chmod], stillPresent: true, unchangedRewrites: 1 },
      { path: 'data.bin', wastedBytes: MiB / 2, copies: 1, writtenIn: [write], removedIn: [cleanup], stillPresent: true, unchangedRewrites: 0 },
    ])
    expect(waste.efficiency).toBeCloseTo(1 - waste.wastedBytes / waste.storedBytes, 12)
    expect(waste.efficiency).toBeLessThan(0.7)
  })

  it('finds the context file copied twice as a duplicate, and lists the biggest files', () => {
    expect(waste.duplicates[0]).toMatchObject({
      size: MiB,
      reclaimableBytes: MiB,
      files: [expect.objectContaining({ path: 'opt/copy.bin' }), expect.objectContaining({ path: 'opt/blob.bin' })],
    })
    // busybox's one binary (about 1 MB) and the two copies are the image's largest files.
    expect(waste.biggestFiles.slice(0, 3).map((f) => f.path).sort()).toEqual(['bin/busybox', 'opt/blob.bin', 'opt/copy.bin'])
    const sizes = waste.biggestFiles.map((f) => f.size)
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
  })

  it('agrees with the same image read from the Docker daemon, and with BuildKit’s build of the Dockerfile', async () => {
    const store = await openStore(path.join(dir, 'store'))
    const out = createWriteStream(path.join(dir, 'll.tar'))
    await saveDockerArchive(store, [tags.ours], out)
    if (!out.writableFinished) await finished(out)
    docker('load', '-i', path.join(dir, 'll.tar'))
    docker('build', '--network=none', '-t', tags.theirs, project)

    const analyzer = createImageAnalyzer({ store: async () => store })
    const fromDaemon = await analyzer.analyze({ daemonImage: tags.ours })
    expect(fromDaemon).toMatchObject({ wastedBytes: waste.wastedBytes, storedBytes: waste.storedBytes, contentHashed: false, duplicates: [] })
    expect(fromDaemon.wastedPaths.map((p) => [p.path, p.wastedBytes])).toEqual(waste.wastedPaths.map((p) => [p.path, p.wastedBytes]))

    const buildkit = await analyzer.analyze({ daemonImage: tags.theirs })
    expect(buildkit.wastedBytes).toBe(waste.wastedBytes)
    expect(buildkit.wastedPaths.map((p) => p.path)).toEqual(['big.bin', 'opt/blob.bin', 'data.bin'])
  }, 240_000)

  it('fails a CI limit on a daemon image from the command line', () => {
    const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'analyze', '--docker', ...args], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: dockerHost } })
    const past = run('--max-wasted-bytes', '2MiB', tags.ours)
    expect(past.stderr).toBe(`layerlab analyze: docker-daemon:${tags.ours}: wasted ${waste.wastedBytes} bytes (2.62MB), more than --max-wasted-bytes ${2 * MiB} (2.1MB)\n`)
    expect(past.status).toBe(1)
    const within = run('--json', '--max-wasted-bytes', '3MiB', tags.ours)
    expect(within.status).toBe(0)
    expect(JSON.parse(within.stdout)).toMatchObject({ wastedBytes: waste.wastedBytes, contentHashed: false, checks: { passed: true } })
  })

  it('says which build has no image, and which image the daemon lacks', async () => {
    await expect(api.handlers.analyzeImage({ image: 'no-such:image' })).rejects.toMatchObject({ code: 'not-found', message: 'image no-such:image is not in the store (it may have been pruned)' })
    const analyzer = createImageAnalyzer({ store: () => openStore(path.join(dir, 'store')) })
    await expect(analyzer.analyze({ daemonImage: 'layerlab-test/absent:none' })).rejects.toMatchObject({
      code: 'not-found',
      message: `image layerlab-test/absent:none is not in the Docker daemon at ${process.env.DOCKER_HOST} (it may have been removed)`,
    })
  })
})
