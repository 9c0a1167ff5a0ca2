// The same Dockerfile built by Layerlab and by the test engine's BuildKit, compared the way
// users would: the loaded image runs, the config says the same, and each added layer holds the
// same entries (path, type, mode, owner, size, link target; mtimes aside).
import { spawnSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerCli } from '../../../scripts/docker-cli'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { StepFinishedEvent } from '../../shared/build-events'
import { loadImages, saveDockerArchive } from '../image-io'
import { openStore, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'
import { savedImage, type SavedImage } from './saved-image.test-support'
import { toEngine2010 } from './image-config/engine-2010.test-support'

const dockerHost = serviceOrSkip('docker')

const docker = dockerCli(dockerHost)

const dockerfile = `FROM busybox
COPY app.sh /app/app.sh
COPY --chown=user:user data/ /data/
COPY conf.txt /etc/conf.txt
WORKDIR /work
ENV GREETING=hello MODE=prod
LABEL org.example.team=builders
EXPOSE 8080/tcp
USER user
CMD ["sh", "/app/app.sh"]
`

let dir: string
let context: string
let store: Store

beforeAll(async () => {
  if (!dockerHost) return
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-vs-bk-'))
  context = path.join(dir, 'context')
  await mkdir(path.join(context, 'data/nested'), { recursive: true })
  await writeFile(path.join(context, 'app.sh'), 'echo "$GREETING from $(id -un) in $(pwd): $(cat /data/nested/n.txt)"\n')
  await chmod(path.join(context, 'app.sh'), 0o755)
  await writeFile(path.join(context, 'data/a.txt'), 'a\n')
  await writeFile(path.join(context, 'data/nested/n.txt'), 'nested\n')
  await writeFile(path.join(context, 'conf.txt'), 'x=1\n')
  await writeFile(path.join(context, 'Dockerfile'), dockerfile)
  store = await openStore(path.join(dir, 'store'))
  docker('save', '-o', path.join(dir, 'busybox.tar'), 'busybox:latest')
  await loadImages(store, path.join(dir, 'busybox.tar'))
}, 120_000)

afterAll(async () => {
  if (!dockerHost) return
  spawnSync('/usr/bin/docker', ['rmi', '-f', 'layerlab-test/app:ll', 'layerlab-test/app:bk'], { env: { ...process.env, DOCKER_HOST: dockerHost } })
  await rm(dir, { recursive: true, force: true })
})

const saved = (ref: string) => savedImage(docker, ref, dir)

describe.skipIf(!dockerHost)('Layerlab and BuildKit build the same image', () => {
  const steps: StepFinishedEvent[] = []

  beforeAll(async () => {
    const backend = new EmbeddedBackend({ store })
    const outcome = await backend.build({ contextDir: context, tags: ['layerlab-test/app:ll'] }, (e) => {
      if (e.type === 'step-finished') steps.push(e)
    })
    expect(outcome.status).toBe('succeeded')
    const archive = path.join(dir, 'll.tar')
    const out = createWriteStream(archive)
    await saveDockerArchive(store, ['layerlab-test/app:ll'], out)
    if (!out.writableFinished) await finished(out)
    docker('load', '-i', archive)
    docker('build', '--network=none', '-t', 'layerlab-test/app:bk', context)
  }, 180_000)

  it('runs in Docker after docker load', () => {
    const output = docker('run', '--rm', '--network=none', 'layerlab-test/app:ll')
    expect(output).toBe('hello from user in /work: nested\n')
  })

  it('has the same added layers, entry by entry', async () => {
    const ours = await saved('layerlab-test/app:ll')
    const theirs = await saved('layerlab-test/app:bk')
    expect(ours.layers.length).toBe(theirs.layers.length)
    const base = (await saved('busybox:latest')).layers.length
    expect(ours.layers.slice(base)).toEqual(theirs.layers.slice(base))
  })

  it('has the same config and history', async () => {
    const ours = await saved('layerlab-test/app:ll')
    const theirs = await saved('layerlab-test/app:bk')
    for (const field of ['Env', 'Cmd', 'WorkingDir', 'User', 'Labels', 'ExposedPorts', 'Entrypoint']) {
      expect(ours.config.config[field], field).toEqual(theirs.config.config[field])
    }
    // This daemon's BuildKit predates how current BuildKit writes COPY --chown and EXPOSE.
    const history = (h: SavedImage['config']['history'], translate: (s: string) => string) =>
      h.map((e) => `${translate(e.created_by ?? '')}${e.empty_layer ? ' (empty)' : ''}`)
    expect(history(ours.config.history, (s) => toEngine2010(s, undefined))).toEqual(history(theirs.config.history, (s) => s))
  })

  it('rebuilds from cache, and names the file an edit changed', async () => {
    const again: StepFinishedEvent[] = []
    const backend = new EmbeddedBackend({ store })
    await backend.build({ contextDir: context, tags: ['layerlab-test/app:ll'] }, (e) => {
      if (e.type === 'step-finished') again.push(e)
    })
    expect(again.filter((s) => s.status !== 'cached')).toEqual([])
    await writeFile(path.join(context, 'data/nested/n.txt'), 'edited\n')
    const edited: StepFinishedEvent[] = []
    await backend.build({ contextDir: context, tags: ['layerlab-test/app:ll'] }, (e) => {
      if (e.type === 'step-finished') edited.push(e)
    })
    expect(edited.map((s) => s.status)).toEqual(['cached', 'cached', 'built', 'built', 'built', 'cached', 'cached', 'cached', 'cached', 'cached'])
    expect(edited[2]?.reason).toEqual({ kind: 'files-changed', changed: ['data/nested/n.txt'], added: [], removed: [] })
  })
})
