// The example projects shipped in resources/examples build offline on busybox and show what they
// are meant to show: the cache-busting one rebuilds its install after a source edit, its
// cache-friendly variant does not.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { StepFinishedEvent } from '../../shared/build-events'
import { openStore, resolveImage, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'

const dockerHost = serviceOrSkip('docker')
const examples = fileURLToPath(new URL('../../../resources/examples', import.meta.url))
let dir: string
let store: Store
let previousHost: string | undefined

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-examples-'))
  store = await openStore(path.join(dir, 'store'))
  // FROM busybox comes from the test daemon, as it would from a user's Docker.
  previousHost = process.env.DOCKER_HOST
  if (dockerHost) process.env.DOCKER_HOST = dockerHost
})

afterAll(async () => {
  process.env.DOCKER_HOST = previousHost
  await rm(dir, { recursive: true, force: true })
})

async function build(name: string, dockerfile = 'Dockerfile', copy = true) {
  const context = path.join(dir, name)
  if (copy) await cp(path.join(examples, name), context, { recursive: true })
  const steps: StepFinishedEvent[] = []
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir: context, dockerfile, tags: [`example/${name}:latest`] }, (e) => {
    if (e.type === 'step-finished') steps.push(e)
  })
  return { outcome, steps, context }
}

const statusOf = (steps: StepFinishedEvent[], prefix: string) => steps.find((s) => s.instruction.startsWith(prefix))?.status

describe.skipIf(!dockerHost)('example projects', () => {
  it('web-app builds a static site image', async () => {
    const { outcome } = await build('web-app')
    expect(outcome.status).toBe('succeeded')
    const config = (await resolveImage(store, 'example/web-app')).config.config as { Cmd: string[]; User: string }
    expect(config.Cmd[0]).toBe('httpd')
    expect(config.User).toBe('nobody')
  })

  it('multi-stage builds both stages and keeps only the report', async () => {
    const { outcome, steps } = await build('multi-stage')
    expect(outcome.status).toBe('succeeded')
    expect(steps.some((s) => s.instruction.startsWith('RUN cat header.txt'))).toBe(true)
  })

  it('cache-busting: an early COPY . . rebuilds the install after a source edit; copying deps first does not', async () => {
    const first = await build('cache-busting')
    expect(first.outcome.status).toBe('succeeded')
    const friendly = await build('cache-busting', 'Dockerfile.cache-friendly', false)
    expect(friendly.outcome.status).toBe('succeeded')

    await writeFile(path.join(first.context, 'src/app.txt'), 'version 2\n')
    const busted = await build('cache-busting', 'Dockerfile', false)
    expect(statusOf(busted.steps, 'RUN sh deps/install.sh')).toBe('built')
    const kept = await build('cache-busting', 'Dockerfile.cache-friendly', false)
    expect(statusOf(kept.steps, 'RUN sh deps/install.sh')).toBe('cached')
    expect(statusOf(kept.steps, 'COPY src/')).toBe('built')
  })
})
