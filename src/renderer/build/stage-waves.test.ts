import { describe, expect, it } from 'vitest'
import type { StageView, StepState, StepView } from './build-stream'
import { emptyLog } from './log-lines'
import { stageSpan, stageWaves, type WaveOptions } from './stage-waves'

/** One stage: a FROM (cached, no time) then one step per [state, startedAt?, durationMs?]. */
type StepSpec = [StepState, number?, number?]

function build(specs: StepSpec[][]): { stages: StageView[]; steps: Record<string, StepView> } {
  const steps: Record<string, StepView> = {}
  const stages = specs.map((stageSteps, index) => {
    const ids = [`${index}.0`]
    steps[`${index}.0`] = { id: `${index}.0`, stage: index, index: 0, instruction: 'FROM busybox', line: 1, state: 'cached', startedAt: 0, durationMs: 0, logs: emptyLog }
    stageSteps.forEach(([state, startedAt, durationMs], i) => {
      const id = `${index}.${i + 1}`
      ids.push(id)
      steps[id] = {
        id,
        stage: index,
        index: i + 1,
        instruction: `RUN step ${i + 1}`,
        line: i + 2,
        state,
        logs: emptyLog,
        ...(startedAt === undefined ? {} : { startedAt }),
        ...(durationMs === undefined ? {} : { durationMs }),
      }
    })
    return { index, base: 'busybox', stepIds: ids }
  })
  return { stages, steps }
}

const done: WaveOptions = { running: false, now: 0 }

function layout(specs: StepSpec[][], options: WaveOptions = done): number[][][] {
  const { stages, steps } = build(specs)
  return stageWaves(stages, steps, options).map((w) => w.columns.map((c) => c.map((s) => s.index)))
}

describe('stageWaves', () => {
  it('puts stages whose run times overlap side by side and the stage after them below', () => {
    // Two independent stages (BuildKit runs them at once) and a final one copying from both.
    expect(layout([[['built', 100, 2000]], [['built', 150, 2100]], [['built', 2300, 50]]])).toEqual([[[0], [1]], [[2]]])
  })

  it('keeps a chain of stages stacked, one wave each, even when one starts as the other ends', () => {
    expect(layout([[['built', 0, 1000]], [['built', 1000, 500]], [['built', 1500, 10]]])).toEqual([[[0]], [[1]], [[2]]])
  })

  it('stacks within a column the stages that ran one after another beside a long one', () => {
    // 0 runs 0–10 s; 1 runs 0–1 s, then 2 (built on 1) runs 1–3 s: 1 and 2 share a column beside 0.
    expect(layout([[['built', 0, 10_000]], [['built', 0, 1000]], [['built', 1000, 2000]]])).toEqual([[[0], [1, 2]]])
  })

  it('groups stages linked by a chain of overlaps into one wave', () => {
    // 0 overlaps 1, 1 overlaps 2, 0 and 2 do not: one wave, 0 and 2 in the same column.
    expect(layout([[['built', 0, 1000]], [['built', 500, 1000]], [['built', 1100, 1000]]])).toEqual([[[0, 2], [1]]])
  })

  it('stacks a stage that started only a moment before another ended, unless it ran entirely inside it', () => {
    // The final stage's COPY --from=one starts as `one` ends, 50 ms before `two` ends.
    expect(layout([[['built', 0, 2000]], [['built', 10, 2040]], [['built', 2000, 30], ['built', 2060, 20]]])).toEqual([[[0], [1]], [[2]]])
    // A short stage that ran while a long one did is beside it.
    expect(layout([[['built', 0, 10_000]], [['built', 5000, 100]]])).toEqual([[[0], [1]]])
  })

  it('does not let a moment of overlap with a running stage pull a stage into its wave', () => {
    const specs: StepSpec[][] = [[['built', 0, 2000]], [['running', 10]], [['built', 2000, 30]]]
    expect(layout(specs, { running: true, now: 2100 })).toEqual([[[0], [1]], [[2]]])
    // Still running long after stage 2 started: 2 did run at the same time, beside it under 0.
    expect(layout(specs, { running: true, now: 2400 })).toEqual([[[0, 2], [1]]])
  })

  it('leaves a stage with no started step as a wave of its own, in stage order', () => {
    expect(layout([[['built', 0, 1000]], [['pending']], [['built', 10, 1000]]])).toEqual([[[0], [2]], [[1]]])
    // Cache hits take no time: an all-cached stage never joins a wave.
    expect(layout([[['built', 0, 1000]], [['cached', 10, 0]]])).toEqual([[[0]], [[1]]])
  })

  it('lets a stage that starts while another runs join its wave, live', () => {
    const pending: StepSpec[][] = [[['running', 0], ['pending']], [['pending']]]
    expect(layout(pending, { running: true, now: 2000 })).toEqual([[[0]], [[1]]])
    const joined: StepSpec[][] = [[['running', 0], ['pending']], [['running', 1500]]]
    expect(layout(joined, { running: true, now: 2000 })).toEqual([[[0], [1]]])
  })

  it('keeps a running stage open between its steps, so a stage starting then joins it', () => {
    // Stage 0's first step ended at 1000 and its second has not started; stage 1 starts at 1200.
    const specs: StepSpec[][] = [[['built', 0, 1000], ['pending']], [['running', 1200]]]
    expect(layout(specs, { running: true, now: 2000 })).toEqual([[[0], [1]]])
    // Once the build is over, a stage with steps never run is closed at its last step.
    expect(layout([[['built', 0, 1000], ['not-run']], [['built', 1200, 100]]])).toEqual([[[0]], [[1]]])
  })

  it('does not count a step that has only just started (a cache hit being reported)', () => {
    const specs: StepSpec[][] = [[['running', 0]], [['running', 1900]]]
    expect(layout(specs, { running: true, now: 2000 })).toEqual([[[0]], [[1]]])
    expect(layout(specs, { running: true, now: 2300 })).toEqual([[[0], [1]]])
  })
})

describe('stageSpan', () => {
  it('spans a stage from its first working step to the end of its last', () => {
    const { stages, steps } = build([[['built', 100, 50], ['cached', 160, 0], ['built', 200, 300]]])
    expect(stageSpan(stages[0] as StageView, steps, done)).toEqual({ start: 100, end: 500 })
  })

  it('has no end while a step runs and none at all before one started', () => {
    const { stages, steps } = build([[['built', 100, 50], ['running', 200]], [['pending']]])
    expect(stageSpan(stages[0] as StageView, steps, { running: true, now: 5000 })).toEqual({ start: 100 })
    expect(stageSpan(stages[1] as StageView, steps, { running: true, now: 5000 })).toBeUndefined()
  })

  it('ends a failed stage where its failing step ended', () => {
    const { stages, steps } = build([[['built', 0, 100], ['failed', 100, 40], ['not-run']]])
    expect(stageSpan(stages[0] as StageView, steps, done)).toEqual({ start: 0, end: 140 })
  })
})
