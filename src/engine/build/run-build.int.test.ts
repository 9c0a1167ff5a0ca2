// Issue 5's whole path: FROM the test registry's busybox (pulled on demand), RUN, COPY and
// metadata steps built by Layerlab; the image runs in Docker; its layers equal BuildKit's once
// runtime mount points are set aside; and after one file changes, the same steps rebuild.
import { spawnSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerCli } from '../../../scripts/docker-cli'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { StepFinishedEvent } from '../../shared/build-events'
import { saveDockerArchive } from '../image-io'
import { openStore, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'
import { savedImage } from './saved-image.test-support'

const dockerHost = serviceOrSkip('docker')
const registry = serviceOrSkip('registry')

const docker = dockerCli(dockerHost)

const dockerfile = (base: string) => `FROM ${base}
WORKDIR /app
COPY deps.txt /app/
RUN cat deps.txt > /app/installed.txt && rm /bin/vi && mkdir -p /var/cache/x && rm -rf /home/user && mkdir /home/user
COPY src/ /app/src/
RUN cat /app/src/main.txt > /app/built.txt
ENV MODE=prod
USER user
RUN id -un > /tmp/whoami && echo "$MODE" >> /tmp/whoami
CMD ["cat", "/app/built.txt", "/tmp/whoami"]
`

let dir: string
let context: string
let store: Store
const tag = 'layerlab-test/run:ll'

beforeAll(async () => {
  if (!dockerHost || !registry) return
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-run-'))
  context = path.join(dir, 'context')
  await mkdir(path.join(context, 'src'), { recursive: true })
  await writeFile(path.join(context, 'deps.txt'), `deps ${Date.now()}\n`)
  await writeFile(path.join(context, 'src/main.txt'), 'main v1\n')
  await writeFile(path.join(context, 'Dockerfile'), dockerfile(`${registry}/library/busybox`))
  store = await openStore(path.join(dir, 'store'))
})

afterAll(async () => {
  if (!dockerHost || !registry) return
  spawnSync('/usr/bin/docker', ['rmi', '-f', tag, 'layerlab-test/run:bk'], { env: { ...process.env, DOCKER_HOST: dockerHost } })
  await rm(dir, { recursive: true, force: true })
})

async function buildWithLayerlab(): Promise<StepFinishedEvent[]> {
  const steps: StepFinishedEvent[] = []
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir: context, tags: [tag] }, (e) => {
    if (e.type === 'step-finished') steps.push(e)
  })
  expect(outcome.status, JSON.stringify(steps.find((s) => s.error)?.error)).toBe('succeeded')
  return steps
}

/** BuildKit's plain progress: which RUN/COPY/WORKDIR steps came from its cache, in Dockerfile order. */
function buildWithBuildKit(): string[] {
  const output = docker('build', '--network=none', '--progress=plain', '-t', 'layerlab-test/run:bk', context)
  const names = new Map<string, string>()
  const outcomes = new Map<string, string>()
  for (const line of output.split('\n')) {
    const named = /^#(\d+) \[\s*(\d+)\/\d+\] (RUN|COPY|WORKDIR)/.exec(line)
    if (named?.[1] && named[2]) names.set(named[1], named[2])
    const done = /^#(\d+) (CACHED|DONE)\b/.exec(line)
    if (done?.[1] && done[2]) outcomes.set(done[1], done[2] === 'CACHED' ? 'cached' : 'built')
  }
  return [...names.entries()].sort((a, b) => Number(a[1]) - Number(b[1])).map(([n]) => outcomes.get(n) ?? 'unknown')
}

// A RUN layer also holds what the runtime mounted (empty dev/, proc/, sys/, and the files it
// bound in /etc, which copies /etc up unchanged): artefacts of how the step ran, not content.
// BuildKit's layers keep them; Layerlab's leave them out.
const runtimeArtefact = /^(dev|proc|sys)\/ dir |^etc\/(hosts|hostname|resolv\.conf) file .* 0$/

function withoutArtefacts(rows: string[]): string[] {
  const kept = rows.filter((row) => !runtimeArtefact.test(row))
  const etcChanged = kept.some((row) => row.startsWith('etc/') && !row.startsWith('etc/ '))
  return etcChanged ? kept : kept.filter((row) => !row.startsWith('etc/ dir '))
}

async function savedLayers(ref: string): Promise<string[][]> {
  return (await savedImage(docker, ref, dir)).layers.map(withoutArtefacts)
}

describe.skipIf(!dockerHost || !registry)('RUN builds, FROM a registry image', () => {
  let first: StepFinishedEvent[] = []

  beforeAll(async () => {
    first = await buildWithLayerlab()
    const out = createWriteStream(path.join(dir, 'll.tar'))
    await saveDockerArchive(store, [tag], out)
    if (!out.writableFinished) await finished(out)
    docker('load', '-i', path.join(dir, 'll.tar'))
    buildWithBuildKit()
  }, 240_000)

  it('pulls the base on demand and runs every step', () => {
    expect(first.map((s) => s.status)).toEqual(first.map(() => expect.stringMatching(/^(built|cached)$/)))
    expect(first.filter((s) => s.instruction.startsWith('RUN')).map((s) => s.status)).toEqual(['built', 'built', 'built'])
  })

  it('makes an image that runs in Docker, as USER user with the ENV in effect', () => {
    expect(docker('run', '--rm', '--network=none', tag)).toBe('main v1\nuser\nprod\n')
  })

  it('writes the same layers as BuildKit, runtime mount points aside', async () => {
    const ours = await savedLayers(tag)
    const theirs = await savedLayers('layerlab-test/run:bk')
    expect(ours).toEqual(theirs)
  })

  it('rebuilds exactly the steps BuildKit rebuilds after one file changes', async () => {
    await writeFile(path.join(context, 'src/main.txt'), 'main v2\n')
    const ours = await buildWithLayerlab()
    const theirs = buildWithBuildKit()
    const keyed = ours.filter((s) => /^(RUN|COPY|WORKDIR)\b/.test(s.instruction))
    expect(keyed.map((s) => s.status)).toEqual(theirs)
    expect(keyed.map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'built', 'built', 'built'])
    expect(keyed[3]?.reason).toEqual({ kind: 'files-changed', changed: ['src/main.txt'], added: [], removed: [] })
  })
})
