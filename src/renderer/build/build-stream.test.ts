import { describe, expect, it } from 'vitest'
import type { BuildEvent, PlannedStep, StepFinishedEvent } from '../../shared/build-events'
import type { BuildRecordView } from '../../shared/project-api'
import { buildTotals, noLiveBuilds, reduceBuild, reduceLiveBuilds, viewFromRecord, type BuildView } from './use-build-stream'
import { stageWaves } from './stage-waves'

const loc = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 20 } })
const layer = { diffId: 'sha256:d', digest: 'sha256:b', size: 2048 }

function planned(id: string, index: number, instruction: string, line: number, stage = 0): PlannedStep {
  return {
    id,
    stage: { index: stage },
    index,
    kind: index === 0 ? 'from' : instruction.startsWith('COPY') ? 'copy' : 'metadata',
    instruction,
    location: loc(line),
  }
}

const steps = [
  planned('0.0', 0, 'FROM scratch', 1),
  planned('0.1', 1, 'COPY app.txt /app/', 2),
  planned('0.2', 2, 'LABEL v=1', 3),
]

function finished(step: PlannedStep, fields: Partial<StepFinishedEvent>, buildId = 'b1'): StepFinishedEvent {
  return {
    type: 'step-finished',
    buildId,
    stepId: step.id,
    stage: step.stage,
    index: step.index,
    instruction: step.instruction,
    location: step.location,
    status: 'cached',
    durationMs: 0,
    ...fields,
  }
}

const start = (buildId = 'b1', contextDir = '/p'): BuildEvent => ({
  type: 'build-started',
  buildId,
  backend: 'embedded',
  contextDir,
  dockerfile: `${contextDir}/Dockerfile`,
  time: 1000,
})

function run(events: BuildEvent[]): BuildView {
  const view = events.reduce<BuildView | undefined>(reduceBuild, undefined)
  if (!view) throw new Error('no build-started')
  return view
}

const [from, copy, label] = steps as [PlannedStep, PlannedStep, PlannedStep]

describe('reduceBuild', () => {
  it('lays out every planned step as pending, then follows each through running to its outcome', () => {
    const planView = run([start(), { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] }])
    expect(planView.stages).toEqual([{ index: 0, base: 'scratch', stepIds: ['0.0', '0.1', '0.2'] }])
    expect(Object.values(planView.steps).map((s) => [s.instruction, s.line, s.state])).toEqual([
      ['FROM scratch', 1, 'pending'],
      ['COPY app.txt /app/', 2, 'pending'],
      ['LABEL v=1', 3, 'pending'],
    ])

    const running = reduceBuild(planView, { type: 'step-started', buildId: 'b1', stepId: '0.1', time: 1500 })
    expect(running?.steps['0.1']).toMatchObject({ state: 'running', startedAt: 1500 })
    const moving = reduceBuild(running, { type: 'step-progress', buildId: 'b1', stepId: '0.1', label: 'copying', current: 10, total: 20 })
    expect(moving?.steps['0.1']?.progress).toEqual([{ label: 'copying', current: 10, total: 20 }])

    const built = reduceBuild(moving, finished(copy, { status: 'built', reason: { kind: 'first-build' }, layer, durationMs: 40 }))
    expect(built?.steps['0.1']).toMatchObject({ state: 'built', reason: 'first build', layer, durationMs: 40 })
    // The start stays once the step finished: the timeline lays out stages by when they ran.
    expect(built?.steps['0.1']?.startedAt).toBe(1500)
    // The bytes moved stay with the step, for its summary.
    expect(built?.steps['0.1']?.progress).toEqual([{ label: 'copying', current: 10, total: 20 }])
    // The untouched steps are the same objects: a row that did not change need not re-render.
    expect(built?.steps['0.2']).toBe(planView.steps['0.2'])
  })

  it('names the changed file of a miss, keeps the failure with its line and marks the rest not run', () => {
    const view = run([
      start(),
      { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] },
      finished(from, {}),
      finished(copy, {
        status: 'failed',
        error: { code: 'build-failed', message: 'line 2: "/app.txt": not found', location: loc(2), stepId: '0.1' },
      }),
      finished(label, { status: 'not-run' }),
      { type: 'build-finished', buildId: 'b1', status: 'failed', durationMs: 80, error: { code: 'build-failed', message: 'x', location: loc(2) } },
    ])
    expect(view.status).toBe('failed')
    expect(view.durationMs).toBe(80)
    expect(view.steps['0.1']).toMatchObject({ state: 'failed', line: 2, error: { message: 'line 2: "/app.txt": not found' } })
    expect(view.steps['0.2']?.state).toBe('not-run')
    const totals = buildTotals(view)
    expect(totals.failed?.id).toBe('0.1')
    expect(totals.finishedSteps).toBe(3)

    const changed = reduceBuild(
      view,
      finished(copy, { status: 'built', reason: { kind: 'files-changed', changed: ['app.txt'], added: [], removed: [] }, layer }),
    )
    expect(changed?.steps['0.1']?.reason).toBe('app.txt changed')
  })

  it('ignores events of other builds and starts afresh on a new build', () => {
    const view = run([start(), { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] }])
    expect(reduceBuild(view, finished(copy, { status: 'built' }, 'other'))).toBe(view)
    const next = reduceBuild(view, start('b2'))
    expect(next).toMatchObject({ buildId: 'b2', status: 'running', stages: [], steps: {} })
  })

  it('keeps a step’s log bounded and in order', () => {
    let view: BuildView | undefined = run([start(), { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] }])
    for (let i = 0; i < 12_000; i++) {
      view = reduceBuild(view, { type: 'step-log', buildId: 'b1', stepId: '0.1', stream: 'stdout', text: `line ${i}\n`, time: i })
    }
    const logs = view?.steps['0.1']?.logs
    expect(logs?.size).toBeLessThanOrEqual(5000)
    expect((logs?.size ?? 0) + (logs?.dropped ?? 0)).toBe(12_000)
    expect(logs?.chunks.at(-1)?.at(-1)?.text).toBe('line 11999')
  })

  it('keeps a FROM step’s pull (log and per-layer bytes) from before the plan and gives it to that step', () => {
    const progress = (label: string, current: number): BuildEvent => ({ type: 'step-progress', buildId: 'b1', stepId: '0.0', label, current, total: 100 })
    const pulling = run([
      start(),
      { type: 'step-log', buildId: 'b1', stepId: '0.0', stream: 'stdout', text: 'pulling busybox\n', time: 1100 },
      progress('layer a', 0),
      progress('layer b', 0),
      progress('layer a', 60),
      progress('layer b', 100),
    ])
    expect(pulling.stages).toEqual([])
    expect(pulling.steps).toEqual({})
    expect(pulling.early?.['0.0']?.logs.size).toBe(1)
    expect(pulling.early?.['0.0']?.progress).toEqual([
      { label: 'layer a', current: 60, total: 100 },
      { label: 'layer b', current: 100, total: 100 },
    ])
    const planned = reduceBuild(pulling, { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'busybox', steps }] })
    expect(planned?.early).toBeUndefined()
    expect(planned?.steps['0.0']).toMatchObject({ state: 'pending', instruction: 'FROM scratch', progress: pulling.early?.['0.0']?.progress })
    expect(planned?.steps['0.0']?.logs.size).toBe(1)
    // An event for a step the plan does not have is dropped, not kept aside for ever.
    expect(reduceBuild(planned, { type: 'step-progress', buildId: 'b1', stepId: '9.0', label: 'x', current: 1 })).toBe(planned)
  })

  it('gives a finished step the layer a later step-layer event names (the Docker backend’s way)', () => {
    const plan: BuildEvent = { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] }
    const done = run([start(), plan, finished(copy, { status: 'built', durationMs: 40 })])
    expect(done.steps[copy.id]?.state).toBe('built')
    expect(done.steps[copy.id]?.layer).toBeUndefined()
    const withLayer = reduceBuild(done, { type: 'step-layer', buildId: 'b1', stepId: copy.id, layer: { diffId: 'sha256:d', size: 2048 } })
    expect(withLayer?.steps[copy.id]).toMatchObject({ state: 'built', durationMs: 40, layer: { diffId: 'sha256:d', size: 2048 } })
    expect(buildTotals(withLayer as BuildView).layerSteps).toBe(1)
  })

  it('builds steps that arrive without a plan, from their finished events', () => {
    const view = run([start(), finished(from, {}), finished(planned('1.0', 0, 'FROM scratch AS two', 5, 1), {})])
    expect(view.stages.map((s) => [s.index, s.stepIds])).toEqual([
      [0, ['0.0']],
      [1, ['1.0']],
    ])
  })
})

describe('buildTotals', () => {
  it('counts the share of layer steps that came from the cache; steps without a layer do not count', () => {
    const view = run([
      start(),
      finished(from, {}),
      finished(copy, { status: 'cached', layer, durationMs: 5 }),
      finished(planned('0.2', 2, 'COPY b /b', 3), { status: 'built', layer, durationMs: 30 }),
      finished(planned('0.3', 3, 'LABEL a=b', 4), { status: 'cached' }),
    ])
    expect(buildTotals(view)).toMatchObject({ layerSteps: 2, cachedLayerSteps: 1, cachedPercent: 50, longestMs: 30 })
  })
})

describe('reduceLiveBuilds', () => {
  it('keeps the latest build of each project and routes events by build id', () => {
    let state = reduceLiveBuilds(noLiveBuilds, [start('a1', '/a'), start('b1', '/b')])
    state = reduceLiveBuilds(state, [{ type: 'build-finished', buildId: 'a1', status: 'succeeded', durationMs: 5 }])
    expect(state.byProject['/a']?.status).toBe('succeeded')
    expect(state.byProject['/b']?.status).toBe('running')
    state = reduceLiveBuilds(state, [start('a2', '/a')])
    expect(state.byProject['/a']).toMatchObject({ buildId: 'a2', status: 'running' })
    expect(reduceLiveBuilds(state, [{ type: 'warning', buildId: 'gone', message: 'x' }])).toBe(state)
  })
})

describe('viewFromRecord', () => {
  it('turns a stored record into the same view a live build ends with', () => {
    const record: BuildRecordView = {
      id: 'r1',
      project: '/p',
      dockerfile: 'Dockerfile',
      startedAt: '2026-01-01T12:00:00.000Z',
      status: 'failed',
      durationMs: 90,
      layerSteps: 1,
      cachedLayerSteps: 1,
      plan: [{ stage: { index: 0 }, base: 'scratch', steps }],
      steps: [
        finished(from, {}, 'r1'),
        finished(copy, { status: 'failed', error: { code: 'build-failed', message: 'line 2: nope', location: loc(2) } }, 'r1'),
        finished(label, { status: 'not-run' }, 'r1'),
      ],
    }
    const view = viewFromRecord(record)
    expect(view).toMatchObject({ buildId: 'r1', status: 'failed', durationMs: 90, error: { message: 'line 2: nope' } })
    expect(view.stages[0]?.stepIds).toEqual(['0.0', '0.1', '0.2'])
    expect(Object.values(view.steps).map((s) => s.state)).toEqual(['cached', 'failed', 'not-run'])
  })
  it('keeps each step\'s start from the record, so stages that ran at once are side by side again', () => {
    const stage = (index: number, line: number) => [planned(`${index}.0`, 0, 'FROM busybox', line, index), planned(`${index}.1`, 1, 'RUN sleep 2', line + 1, index)]
    const [a, b, final] = [stage(0, 1), stage(1, 4), stage(2, 7)] as [PlannedStep[], PlannedStep[], PlannedStep[]]
    const ran = (step: PlannedStep | undefined, startedAt: number, durationMs: number) =>
      finished(step as PlannedStep, { status: 'built', startedAt, durationMs }, 'r2')
    const record: BuildRecordView = {
      id: 'r2',
      project: '/p',
      dockerfile: 'Dockerfile',
      startedAt: '2026-01-01T12:00:00.000Z',
      status: 'succeeded',
      durationMs: 5000,
      layerSteps: 3,
      cachedLayerSteps: 0,
      backend: 'docker',
      plan: [a, b, final].map((s, index) => ({ stage: { index }, base: 'busybox', steps: s })),
      // The daemon's order: the two independent stages interleave.
      steps: [ran(a[1], 1000, 2000), ran(b[1], 1010, 2100), ran(final[1], 3200, 500)],
    }
    const view = viewFromRecord(record)
    expect(view.steps['1.1']?.startedAt).toBe(1010)
    const waves = stageWaves(view.stages, view.steps, { running: false, now: 0 })
    expect(waves.map((w) => w.columns.map((c) => c.map((s) => s.index)))).toEqual([[[0], [1]], [[2]]])
  })

  it('forgets the start of a step that ends up not run', () => {
    const view = run([
      start(),
      { type: 'plan', buildId: 'b1', stages: [{ stage: { index: 0 }, base: 'scratch', steps }] },
      { type: 'step-started', buildId: 'b1', stepId: '0.1', time: 1500 },
      finished(copy, { status: 'not-run' }),
    ])
    expect(view.steps['0.1']).toMatchObject({ state: 'not-run' })
    expect(view.steps['0.1']?.startedAt).toBeUndefined()
  })
})
