// ONBUILD triggers through the embedded engine: a base image's triggers (its config's OnBuild)
// run right after FROM with the child's context, and the image written has no OnBuild left.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BuildEvent, BuildPlanEvent, StepFinishedEvent } from '../../shared/build-events'
import { openRootfs } from '../rootfs'
import { openStore, putImage, resolveImage, type ResolvedImage, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'

let dir: string
let context: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-onbuild-'))
  context = path.join(dir, 'context')
  store = await openStore(path.join(dir, 'store'))
  await mkdir(context, { recursive: true })
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function build(dockerfile: string, tag: string) {
  await writeFile(path.join(context, 'Dockerfile'), dockerfile)
  const events: BuildEvent[] = []
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir: context, tags: [tag] }, (e) => events.push(e))
  const plan = events.find((e): e is BuildPlanEvent => e.type === 'plan')
  const steps = events.filter((e): e is StepFinishedEvent => e.type === 'step-finished')
  return { outcome, events, plan, steps }
}

/** A base image built by the engine, then given ONBUILD triggers in its config (as `docker build` of `ONBUILD …` would). */
async function baseWithTriggers(onBuild: string[]): Promise<ResolvedImage> {
  await writeFile(path.join(context, 'base.txt'), 'base context\n')
  const base = await build('FROM scratch\nCOPY base.txt /base.txt\nENV BASE=1\n', 'base:onbuild')
  expect(base.outcome.status).toBe('succeeded')
  const image = await resolveImage(store, 'base:onbuild')
  const config = { ...image.config, config: { ...(image.config.config as object), OnBuild: onBuild } }
  const layers = image.manifest.layers.map(({ digest, size, mediaType }) => ({ digest, size, mediaType }))
  await putImage(store, { config, layers, tags: ['base:onbuild'] })
  return resolveImage(store, 'base:onbuild')
}

async function readImageFile(image: ResolvedImage, file: string): Promise<string | undefined> {
  const diffIds = image.config.rootfs?.diff_ids ?? []
  const layers = image.manifest.layers.map((l, i) => ({ digest: l.digest, diffId: diffIds[i] ?? '' }))
  return (await (await openRootfs(store, layers)).readFile(file))?.toString('utf8')
}

describe('ONBUILD triggers of a base image', () => {
  it('run after FROM with the child context, and leave no OnBuild in the image', async () => {
    const base = await baseWithTriggers(['COPY base.txt /from-trigger.txt', 'ENV TRIGGERED=1'])
    expect((base.config.config as { OnBuild?: string[] }).OnBuild).toHaveLength(2)

    // The child's context has its own base.txt: the trigger copies that one.
    await writeFile(path.join(context, 'base.txt'), 'child context\n')
    await writeFile(path.join(context, 'child.txt'), 'child\n')
    const child = await build('FROM base:onbuild\nCOPY child.txt /child.txt\n', 'app:test')
    expect(child.outcome.status).toBe('succeeded')

    // Triggers are steps of their own, after FROM, shown as BuildKit shows them, located at FROM.
    const planned = child.plan?.stages[0]?.steps ?? []
    expect(planned.map((s) => [s.id, s.index, s.kind, s.instruction, s.location.start.line])).toEqual([
      ['0.0', 0, 'from', 'FROM base:onbuild', 1],
      ['0.1', 1, 'copy', 'ONBUILD COPY base.txt /from-trigger.txt', 1],
      ['0.2', 2, 'metadata', 'ONBUILD ENV TRIGGERED=1', 1],
      ['0.3', 3, 'copy', 'COPY child.txt /child.txt', 2],
    ])
    expect(child.steps.map((s) => `${s.stepId} ${s.status}`)).toEqual(['0.0 cached', '0.1 built', '0.2 cached', '0.3 built'])

    const image = await resolveImage(store, 'app:test')
    const config = image.config.config as { Env?: string[]; OnBuild?: unknown }
    expect(config.Env).toEqual(expect.arrayContaining(['BASE=1', 'TRIGGERED=1']))
    expect(config).not.toHaveProperty('OnBuild')
    expect(image.manifest.layers).toHaveLength(3)
    expect(await readImageFile(image, '/from-trigger.txt')).toBe('child context\n')
    expect(await readImageFile(image, '/base.txt')).toBe('base context\n')
    expect(await readImageFile(image, '/child.txt')).toBe('child\n')
    const history = (image.config.history ?? []) as { created_by?: string }[]
    expect(history.map((h) => h.created_by)).toContain('COPY base.txt /from-trigger.txt # buildkit')

    // Built again: every step hits.
    const again = await build('FROM base:onbuild\nCOPY child.txt /child.txt\n', 'app:test')
    expect(again.steps.every((s) => s.status === 'cached')).toBe(true)
  })

  it('expand with the base Env and a build arg declared by a trigger', async () => {
    await baseWithTriggers(['ARG DEST=/default', 'COPY base.txt $DEST/$BASE.txt'])
    await writeFile(path.join(context, 'Dockerfile'), 'FROM base:onbuild\n')
    const events: BuildEvent[] = []
    const outcome = await new EmbeddedBackend({ store }).build(
      { contextDir: context, tags: ['app:args'], buildArgs: { DEST: '/cli' } },
      (e) => events.push(e),
    )
    expect(outcome.status).toBe('succeeded')
    expect(await readImageFile(await resolveImage(store, 'app:args'), '/cli/1.txt')).toBe('base context\n')
  })

  it('fails at the FROM line, naming a trigger that does not parse', async () => {
    await baseWithTriggers(['COPY --nope a b'])
    const result = await build('\nFROM base:onbuild\n', 'app:bad')
    expect(result.outcome.status).toBe('failed')
    expect(result.events.find((e) => e.type === 'build-finished')).toMatchObject({
      error: { message: expect.stringContaining('onbuild trigger "COPY --nope a b": unknown flag: --nope'), location: { start: { line: 2 } } },
    })
    expect(result.steps).toEqual([])
  })
})

describe('ONBUILD triggers of an in-file stage', () => {
  it('show as ONBUILD steps of the child and stay out of its config', async () => {
    await writeFile(path.join(context, 'a.txt'), 'a\n')
    const result = await build('FROM scratch AS base\nONBUILD COPY a.txt /a.txt\nFROM base\n', 'app:infile')
    expect(result.outcome.status).toBe('succeeded')
    expect(result.plan?.stages[1]?.steps.map((s) => s.instruction)).toEqual(['FROM base', 'ONBUILD COPY a.txt /a.txt'])
    const image = await resolveImage(store, 'app:infile')
    expect(image.config.config).not.toHaveProperty('OnBuild')
    expect(await readImageFile(image, '/a.txt')).toBe('a\n')
  })
})
