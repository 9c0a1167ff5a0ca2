// FROM an image only the registry has: the pull shows up on the FROM step as growing byte
// counts per layer, against the real test registry that scripts/with-services.ts starts.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { BuildEvent, StepLogEvent, StepProgressEvent } from '../../shared/build-events'
import { noRunExecutor } from '../exec/executor'
import { openStore, resolveImage } from '../store'
import { baseImageFetcher, pullProgressLabel } from './base-image-fetch'
import { planBuild } from './plan'

const registry = serviceOrSkip('registry')
// No daemon to copy from: the image has to come from the registry.
const noDaemon = { DOCKER_HOST: 'unix:///nonexistent/layerlab-test-docker.sock' }
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

async function freshStore() {
  const dir = await mkdtemp(path.join(tmpdir(), 'layerlab-pull-progress-'))
  dirs.push(dir)
  return openStore(dir)
}

describe.skipIf(!registry)('pull progress of a FROM step', () => {
  const busybox = `${registry}/library/busybox:latest`

  it('reports each layer’s bytes growing to its size on the FROM step of the stage that needs it', async () => {
    const store = await freshStore()
    const events: BuildEvent[] = []
    const plan = await planBuild({
      dockerfileText: `FROM scratch AS empty\nLABEL a=b\n\nFROM ${busybox}\nCOPY --from=empty / /\n`,
      store,
      executor: noRunExecutor,
      pull: baseImageFetcher({ store, buildId: 'b1', emit: (e) => events.push(e), env: noDaemon, progressIntervalMs: 0 }),
    })
    expect(plan.stages.map((s) => s.steps[0]?.id)).toEqual(['0.0', '1.0'])

    const progress = events.filter((e): e is StepProgressEvent => e.type === 'step-progress')
    const resolved = await resolveImage(store, busybox)
    const layers = resolved.manifest.layers
    expect(layers.length).toBeGreaterThan(0)
    expect(new Set(progress.map((e) => e.stepId))).toEqual(new Set(['1.0']))
    expect(new Set(progress.map((e) => e.label))).toEqual(new Set(layers.map((l) => pullProgressLabel(l.digest))))
    for (const layer of layers) {
      const counts = progress.filter((e) => e.label === pullProgressLabel(layer.digest))
      expect(counts.every((e) => e.total === layer.size)).toBe(true)
      const currents = counts.map((e) => e.current)
      expect(currents[0]).toBe(0)
      expect(currents.at(-1)).toBe(layer.size)
      // Growing: never backwards, and with steps between 0 and the size for a layer of a few MB.
      expect(currents).toEqual([...currents].sort((a, b) => a - b))
      if (layer.size > 1 << 20) expect(currents.filter((c) => c > 0 && c < layer.size).length).toBeGreaterThan(2)
    }

    const logs = events.filter((e): e is StepLogEvent => e.type === 'step-log').map((e) => e.text)
    expect(logs[0]).toBe(`pulling ${busybox}\n`)
    expect(logs[1]).toMatch(new RegExp(`^pulled .*busybox:latest: ${layers.length} layers?, .+ fetched in \\d+\\.\\ds\\n$`))
  })

  it('says a layer is there without fetching it again, and throttles chunk reports', async () => {
    const store = await freshStore()
    const first: BuildEvent[] = []
    const fetch = baseImageFetcher({ store, buildId: 'b1', emit: (e) => first.push(e), env: noDaemon, progressIntervalMs: 60_000 })
    await fetch(busybox, { stepId: '0.0' })
    const progress = first.filter((e): e is StepProgressEvent => e.type === 'step-progress')
    // With a minute between chunk reports, only a layer's 0, its end and 'done' get through.
    const labels = new Set(progress.map((e) => e.label))
    expect(progress.length).toBeLessThanOrEqual(labels.size * 3)
    expect(progress.filter((e) => e.current > 0 && e.current < (e.total ?? 0))).toEqual([])

    // Pulling again: the blobs are in the store, every layer is reported whole at once.
    const again: BuildEvent[] = []
    await baseImageFetcher({ store, buildId: 'b2', emit: (e) => again.push(e), env: noDaemon })(busybox, { stepId: '0.0' })
    const repeat = again.filter((e): e is StepProgressEvent => e.type === 'step-progress')
    expect(repeat.map((e) => e.label).sort()).toEqual([...labels].sort())
    expect(repeat.every((e) => e.current === e.total)).toBe(true)
    expect(again.filter((e) => e.type === 'step-log').at(-1)).toMatchObject({ text: expect.stringMatching(/, 0B fetched in/) })
  })
})
