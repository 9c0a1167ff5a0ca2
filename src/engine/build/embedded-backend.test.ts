import { existsSync } from 'node:fs'
import { chmod, copyFile, mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeMissReason, type BuildEvent, type StepFinishedEvent, type StepStartedEvent } from '../../shared/build-events'
import { checkStore, openStore, resolveImage, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'

let dir: string
let context: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-build-'))
  context = path.join(dir, 'context')
  await mkdir(path.join(context, 'src'), { recursive: true })
  store = await openStore(path.join(dir, 'store'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function build(dockerfile: string, options: { noCache?: boolean; buildArgs?: Record<string, string> } = {}) {
  await writeFile(path.join(context, 'Dockerfile'), dockerfile)
  const events: BuildEvent[] = []
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir: context, tags: ['app:test'], ...options }, (e) => events.push(e))
  const steps = events.filter((e): e is StepFinishedEvent => e.type === 'step-finished')
  const summary = steps.map((s) => `${s.instruction} | ${s.status}${s.reason ? ` | ${describeMissReason(s.reason)}` : ''}`)
  return { outcome, events, steps, summary }
}

const dockerfile = `FROM scratch
COPY src/ /app/
ENV MODE=prod
WORKDIR /app
COPY config.json /etc/app.json
LABEL version=1
CMD ["/app/run"]
`

describe('EmbeddedBackend', () => {
  it('builds a scratch image, then hits the cache, then explains a miss', async () => {
    await writeFile(path.join(context, 'src/app.ts'), 'console.log(1)\n')
    await writeFile(path.join(context, 'config.json'), '{}\n')

    const first = await build(dockerfile)
    expect(first.outcome.status).toBe('succeeded')
    expect(first.summary).toEqual([
      'FROM scratch | cached',
      'COPY src/ /app/ | built | first build',
      'ENV MODE=prod | cached',
      'WORKDIR /app | built | first build',
      'COPY config.json /etc/app.json | built | first build',
      'LABEL version=1 | cached',
      'CMD ["/app/run"] | cached',
    ])
    // The event stream is ordered: started before finished, plan before any step.
    const types = first.events.map((e) => e.type)
    expect(types[0]).toBe('build-started')
    expect(types[1]).toBe('plan')
    expect(types.at(-1)).toBe('build-finished')

    const image = await resolveImage(store, 'app:test')
    expect(image.config.rootfs?.diff_ids).toHaveLength(3)
    const config = image.config.config as { Env: string[]; WorkingDir: string; Cmd: string[]; Labels: Record<string, string> }
    expect(config).toMatchObject({ WorkingDir: '/app', Cmd: ['/app/run'], Labels: { version: '1' } })
    expect(config.Env).toContain('MODE=prod')

    const second = await build(dockerfile)
    expect(second.steps.every((s) => s.status === 'cached')).toBe(true)
    expect((await resolveImage(store, 'app:test')).manifest.layers).toEqual(image.manifest.layers)

    // Touching a file changes nothing; editing one is named; later keyed steps follow their parent.
    const old = new Date(Date.now() - 60_000)
    await utimes(path.join(context, 'config.json'), old, old)
    await writeFile(path.join(context, 'src/app.ts'), 'console.log(2)\n')
    await writeFile(path.join(context, 'src/new.ts'), 'export {}\n')
    const third = await build(dockerfile)
    expect(third.summary).toEqual([
      'FROM scratch | cached',
      'COPY src/ /app/ | built | src/app.ts changed; src/new.ts added',
      'ENV MODE=prod | cached',
      'WORKDIR /app | built | parent step 1 was rebuilt (COPY src/ /app/)',
      'COPY config.json /etc/app.json | built | parent step 1 was rebuilt (COPY src/ /app/)',
      'LABEL version=1 | cached',
      'CMD ["/app/run"] | cached',
    ])

    const noCache = await build(dockerfile, { noCache: true })
    expect(noCache.summary.filter((s) => s.includes('--no-cache'))).toHaveLength(3)
  })

  it('reports a failing step at its line and never calls later steps cached', async () => {
    await writeFile(path.join(context, 'config.json'), '{}\n')
    const result = await build('FROM scratch\nCOPY config.json /c.json\nCOPY missing.txt /m\nCOPY config.json /d.json\n')
    expect(result.outcome.status).toBe('failed')
    expect(result.summary.slice(2)).toEqual(['COPY missing.txt /m | failed', 'COPY config.json /d.json | not-run'])
    const failed = result.steps.find((s) => s.status === 'failed')
    expect(failed?.location.start.line).toBe(3)
    expect(failed?.error?.message).toMatch(/^line 3: /)
    const finished = result.events.at(-1)
    expect(finished).toMatchObject({ type: 'build-finished', status: 'failed', error: { code: 'build-failed' } })
    // Each step that ran says when it started (the timeline lays stages out by it); a step not run does not.
    const begun = result.events.find((e) => e.type === 'build-started')?.time ?? Infinity
    for (const step of result.steps.slice(0, 3)) expect(step.startedAt).toBeGreaterThanOrEqual(begun)
    const copyStarted = result.events.find((e): e is StepStartedEvent => e.type === 'step-started' && e.stepId === result.steps[1]?.stepId)
    expect(result.steps[1]?.startedAt).toBe(copyStarted?.time)
    expect(result.steps[3]).not.toHaveProperty('startedAt')
  })

  it('fails before building anything when a base image is not in the store', async () => {
    const result = await build('FROM busybox\nCOPY . /\n')
    expect(result.outcome.status).toBe('failed')
    expect(result.events.find((e) => e.type === 'build-finished')).toMatchObject({
      error: { code: 'parse-error', location: { start: { line: 1 } } },
    })
    expect(result.steps).toEqual([])
  })

  const busybox = '/usr/bin/busybox'
  const canRun = process.platform === 'linux' && existsSync(busybox) && existsSync('/usr/bin/bwrap')
  if (!canRun && process.env.CI !== 'true') console.warn('skipping RUN builds: needs Linux, /usr/bin/busybox (busybox-static) and bubblewrap')

  it.skipIf(!canRun && process.env.CI !== 'true')('runs RUN steps in the sandbox: output streams, the layer holds the changes, a failure stops at its line', async () => {
    await copyFile(busybox, path.join(context, 'busybox'))
    await chmod(path.join(context, 'busybox'), 0o755)
    const ok = await build(
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo hello; /bin/busybox mkdir -p /out && echo done > /out/f"]\n',
    )
    expect(ok.outcome.status).toBe('succeeded')
    const logs = ok.events.filter((e) => e.type === 'step-log').map((e) => (e.type === 'step-log' ? e.text : '')).join('')
    expect(logs).toContain('hello')
    expect(ok.summary[2]).toMatch(/^RUN .* \| built \| first build$/)
    expect((await resolveImage(store, 'app:test')).manifest.layers).toHaveLength(2)

    const again = await build(
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo hello; /bin/busybox mkdir -p /out && echo done > /out/f"]\n',
    )
    expect(again.summary[2]).toMatch(/\| cached$/)

    const failing = await build('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo oops; exit 3"]\nLABEL after=1\n')
    expect(failing.outcome.status).toBe('failed')
    const failed = failing.steps.find((s) => s.status === 'failed')
    expect(failed?.location.start.line).toBe(3)
    expect(failed?.error?.message).toMatch(/exit code: 3\noops$/)
    expect(failing.summary.at(-1)).toBe('LABEL after=1 | not-run')
  })
})

describe('EmbeddedBackend with stages', () => {
  it('builds a stage on another stage and copies from a third, keeping every layer', async () => {
    await writeFile(path.join(context, 'config.json'), '{}\n')
    await writeFile(path.join(context, 'src/app.ts'), 'x\n')
    const result = await build(
      'FROM scratch AS base\nCOPY config.json /base.json\n\nFROM scratch AS tools\nCOPY src/ /tools/\n\nFROM base\nCOPY --from=tools /tools/app.ts /bin/app.ts\n',
    )
    expect(result.outcome.status).toBe('succeeded')
    const image = await resolveImage(store, 'app:test')
    expect(image.config.rootfs?.diff_ids).toHaveLength(2)
    expect(image.manifest.layers).toHaveLength(2)
  })
})

describe('EmbeddedBackend on a shared store', () => {
  it('runs two builds of the same project at once and leaves a store that checks clean', async () => {
    await writeFile(path.join(context, 'config.json'), '{}\n')
    await writeFile(path.join(context, 'src/app.ts'), 'x\n')
    await writeFile(path.join(context, 'Dockerfile'), dockerfile)
    const backend = new EmbeddedBackend({ store })
    const [a, b] = await Promise.all([
      backend.build({ contextDir: context, tags: ['app:a'] }, () => {}),
      new EmbeddedBackend({ store: await openStore(store.dir) }).build({ contextDir: context, tags: ['app:b'] }, () => {}),
    ])
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded'])
    const report = await checkStore(store)
    expect(report.problems).toEqual([])
    for (const tag of ['app:a', 'app:b']) expect((await resolveImage(store, tag)).manifest.layers).toHaveLength(3)
  })
})
