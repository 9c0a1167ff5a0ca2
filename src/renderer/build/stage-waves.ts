import type { StageView, StepView } from './build-stream'

/**
 * How the timeline lays out stages: stages whose run times overlap (the Docker backend runs
 * independent stages at once) share a wave and stand side by side, one column each; stages that
 * ran one after another stay stacked. Pure, so the live view and a reopened build agree.
 */

/** When a stage did work, in ms since the epoch; no `end` while it may still be working. */
export interface StageSpan {
  start: number
  end?: number
}

export interface StageWave {
  /** Side by side; each column's stages ran one after another (stacked). */
  columns: StageView[][]
}

export interface WaveOptions {
  /** The build is still running: a started stage with steps left has no end yet. */
  running: boolean
  /** Now, for running steps. */
  now: number
  /**
   * A step running for less than this does not count yet: the daemon reports a cache hit as a
   * step that starts and finishes at once, and those must not flick a stage into a wave.
   */
  settleMs?: number
}

const DEFAULT_SETTLE_MS = 300

/**
 * Two spans that overlap by less than this ran one after the other, as far as a reader cares:
 * BuildKit starts a final stage's `COPY --from=one` as soon as `one` is done, a moment before
 * `two` (copied next) ends. A span entirely inside another's is concurrent however short.
 */
const MIN_OVERLAP_MS = 300

/**
 * The time a stage spent building. Only steps that did work count (built, failed, running):
 * FROM and cache hits take no time, and a cache hit in a later stage is reported as soon as
 * BuildKit resolves it, long before the stage really starts.
 */
export function stageSpan(stage: StageView, steps: Record<string, StepView>, options: WaveOptions): StageSpan | undefined {
  const settle = options.settleMs ?? DEFAULT_SETTLE_MS
  let start = Infinity
  let end = -Infinity
  let open = false
  let unfinished = false
  for (const id of stage.stepIds) {
    const step = steps[id]
    if (!step) continue
    if (step.state === 'pending') unfinished = true
    if (step.startedAt === undefined) continue
    if (step.state === 'running') {
      unfinished = true
      if (options.now - step.startedAt < settle) continue
      open = true
    } else if (step.state === 'built' || step.state === 'failed') {
      end = Math.max(end, step.startedAt + (step.durationMs ?? 0))
    } else {
      continue
    }
    start = Math.min(start, step.startedAt)
  }
  if (start === Infinity) return undefined
  // Between two steps of a running stage nothing runs, yet the stage has not ended.
  if (open || (options.running && unfinished)) return { start }
  return { start, end }
}

interface Placed {
  stage: StageView
  span: StageSpan
}

/** A span still open ends, for now, at `now`. */
function endOf(span: StageSpan, now: number): number {
  return span.end ?? Math.max(now, span.start)
}

/** What a span is checked against: the end of a wave or a column, and whether it is still open. */
interface Reach {
  end: number
  open: boolean
}

/**
 * Whether a span starting no earlier than the others ran while they did. Inside an open span
 * nothing is "entirely inside" yet: it may be about to end, as `two` does under the final COPY.
 */
function ranDuring(span: StageSpan, now: number, other: Reach): boolean {
  if (span.start >= other.end) return false
  return (!other.open && endOf(span, now) <= other.end) || other.end - span.start >= MIN_OVERLAP_MS
}

const nothing: Reach = { end: -Infinity, open: false }

function extend(reach: Reach, span: StageSpan, now: number): Reach {
  return { end: Math.max(reach.end, endOf(span, now)), open: reach.open || span.end === undefined }
}

/** Columns for one wave: each stage goes into the first column free by the time it started. */
function packColumns(members: Placed[], now: number): StageView[][] {
  const columns: { stages: StageView[]; reach: Reach }[] = []
  for (const { stage, span } of [...members].sort((a, b) => a.span.start - b.span.start || a.stage.index - b.stage.index)) {
    const free = columns.find((c) => !ranDuring(span, now, c.reach))
    if (free) {
      free.stages.push(stage)
      free.reach = extend(free.reach, span, now)
    } else {
      columns.push({ stages: [stage], reach: extend(nothing, span, now) })
    }
  }
  // Columns in stage order, so a stage joining a wave never swaps the columns already shown.
  return columns.map((c) => c.stages).sort((a, b) => minIndex(a) - minIndex(b))
}

function minIndex(stages: readonly StageView[]): number {
  return stages.reduce((min, s) => Math.min(min, s.index), Infinity)
}

/**
 * The stages as waves, in stage order (the order of the Dockerfile, which a stage joining a wave
 * does not change). A stage that did no work yet (pending, all cached, not run) is a wave alone.
 */
export function stageWaves(stages: readonly StageView[], steps: Record<string, StepView>, options: WaveOptions): StageWave[] {
  const placed: Placed[] = []
  const groups: StageView[][] = []
  for (const stage of stages) {
    const span = stageSpan(stage, steps, options)
    if (span) placed.push({ stage, span })
    else groups.push([stage])
  }

  // Overlap is transitive here: a wave is every stage linked by a chain of overlapping spans.
  placed.sort((a, b) => a.span.start - b.span.start || a.stage.index - b.stage.index)
  const waves: Placed[][] = []
  let reach = nothing
  for (const item of placed) {
    const current = waves.at(-1)
    if (current && ranDuring(item.span, options.now, reach)) {
      current.push(item)
      reach = extend(reach, item.span, options.now)
    } else {
      waves.push([item])
      reach = extend(nothing, item.span, options.now)
    }
  }

  const result = [...waves.map((members) => ({ columns: packColumns(members, options.now) })), ...groups.map((g) => ({ columns: [g] }))]
  return result.sort((a, b) => minIndex(a.columns.flat()) - minIndex(b.columns.flat()))
}
