import {
  describeMissReason,
  type BackendKind,
  type BuildEvent,
  type BuildPlanEvent,
  type LayerRef,
  type StepFinishedEvent,
  type StepKind,
} from '../../shared/build-events'
import type { ApiErrorPayload } from '../../shared/errors'
import type { BuildRecordView } from '../../shared/project-api'
import { appendLog, emptyLog, type LogLines } from './log-lines'

/**
 * The timeline as a reduction of the build event stream: pure functions from events to the
 * state of every step, so the live view and a build reopened from history are the same code.
 */

export type StepState = 'pending' | 'running' | 'cached' | 'built' | 'failed' | 'not-run'
export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface StepView {
  id: string
  stage: number
  index: number
  kind?: StepKind
  instruction: string
  line: number
  state: StepState
  /** When the step started, ms since the epoch (kept once it finished, for the stage waves). */
  startedAt?: number
  durationMs?: number
  /** The miss reason, as one line of text. */
  reason?: string
  layer?: LayerRef
  error?: ApiErrorPayload
  logs: LogLines
  /** Bytes moved, one entry per label (a pulled layer, a download), in the order first seen. */
  progress?: readonly TransferProgress[]
}

export interface TransferProgress {
  label: string
  current: number
  total?: number
}

/** What a step said before the plan listed it: a FROM step pulls its image while planning. */
export type EarlyStep = Pick<StepView, 'id' | 'logs' | 'progress'>

export interface StageView {
  index: number
  name?: string
  base: string
  stepIds: string[]
}

export interface BuildView {
  buildId: string
  contextDir: string
  dockerfile: string
  target?: string
  backend?: BackendKind
  /** ms since the epoch */
  startedAt: number
  status: BuildStatus
  stages: StageView[]
  steps: Record<string, StepView>
  warnings: string[]
  /** Logs and progress of steps not planned yet, by step id; merged into `steps` by the plan. */
  early?: Record<string, EarlyStep>
  durationMs?: number
  image?: { digest: string; tags: string[] }
  error?: ApiErrorPayload
}

function withPlan(view: BuildView, stages: BuildPlanEvent['stages']): BuildView {
  const steps: Record<string, StepView> = { ...view.steps }
  const stageViews: StageView[] = stages.map((planned) => {
    for (const step of planned.steps) {
      steps[step.id] = {
        logs: emptyLog,
        state: 'pending',
        ...view.early?.[step.id],
        ...steps[step.id],
        id: step.id,
        stage: step.stage.index,
        index: step.index,
        kind: step.kind,
        instruction: step.instruction,
        line: step.location.start.line,
      }
    }
    return {
      index: planned.stage.index,
      ...(planned.stage.name ? { name: planned.stage.name } : {}),
      base: planned.base,
      stepIds: planned.steps.map((s) => s.id),
    }
  })
  const { early: _early, ...rest } = view
  return { ...rest, stages: stageViews, steps }
}

function withFinished(view: BuildView, event: StepFinishedEvent): BuildView {
  const previous = view.steps[event.stepId]
  const step: StepView = {
    logs: emptyLog,
    ...previous,
    id: event.stepId,
    stage: event.stage.index,
    index: event.index,
    instruction: event.instruction,
    line: event.location.start.line,
    state: event.status,
    durationMs: event.durationMs,
  }
  // The record's own start time wins: a build reopened from history has no step-started events.
  if (event.startedAt !== undefined) step.startedAt = event.startedAt
  if (event.status === 'not-run') delete step.startedAt
  if (event.reason) step.reason = describeMissReason(event.reason)
  if (event.layer) step.layer = event.layer
  if (event.error) step.error = event.error
  let stages = view.stages
  const stage = stages.find((s) => s.index === event.stage.index)
  if (!stage) {
    stages = [...stages, { index: event.stage.index, ...(event.stage.name ? { name: event.stage.name } : {}), base: '', stepIds: [event.stepId] }]
  } else if (!stage.stepIds.includes(event.stepId)) {
    stages = stages.map((s) => (s === stage ? { ...s, stepIds: [...s.stepIds, event.stepId] } : s))
  }
  return { ...view, stages, steps: { ...view.steps, [event.stepId]: step } }
}

function updateStep(view: BuildView, stepId: string, update: (step: StepView) => StepView): BuildView {
  const step = view.steps[stepId]
  return step ? { ...view, steps: { ...view.steps, [stepId]: update(step) } } : view
}

/** A step's log or progress: before the plan, kept aside until the plan names the step. */
function updateOutput(view: BuildView, stepId: string, update: <S extends EarlyStep>(step: S) => S): BuildView {
  if (view.steps[stepId] || view.stages.length > 0) return updateStep(view, stepId, update)
  const early = view.early?.[stepId] ?? { id: stepId, logs: emptyLog }
  return { ...view, early: { ...view.early, [stepId]: update(early) } }
}

function withTransfer(list: readonly TransferProgress[] | undefined, next: TransferProgress): TransferProgress[] {
  const at = list?.findIndex((p) => p.label === next.label) ?? -1
  if (!list || at < 0) return [...(list ?? []), next]
  return list.map((p, i) => (i === at ? next : p))
}

/** One event applied to one build's view; events of other builds leave it as it is. */
export function reduceBuild(view: BuildView | undefined, event: BuildEvent): BuildView | undefined {
  if (event.type === 'build-started') {
    return {
      buildId: event.buildId,
      contextDir: event.contextDir,
      dockerfile: event.dockerfile,
      ...(event.target ? { target: event.target } : {}),
      backend: event.backend,
      startedAt: event.time,
      status: 'running',
      stages: [],
      steps: {},
      warnings: [],
    }
  }
  if (!view || view.buildId !== event.buildId) return view
  switch (event.type) {
    case 'plan':
      return withPlan(view, event.stages)
    case 'step-started':
      return updateStep(view, event.stepId, (s) => ({ ...s, state: 'running', startedAt: event.time }))
    case 'step-log':
      return updateOutput(view, event.stepId, (s) => ({ ...s, logs: appendLog(s.logs, event.stream, event.text) }))
    case 'step-progress': {
      const transfer = { label: event.label, current: event.current, ...(event.total === undefined ? {} : { total: event.total }) }
      return updateOutput(view, event.stepId, (s) => ({ ...s, progress: withTransfer(s.progress, transfer) }))
    }
    case 'step-finished':
      return withFinished(view, event)
    case 'step-layer':
      return updateStep(view, event.stepId, (s) => ({ ...s, layer: event.layer }))
    case 'warning':
      return { ...view, warnings: [...view.warnings, event.message] }
    case 'build-finished': {
      const done: BuildView = { ...view, status: event.status, durationMs: event.durationMs }
      if (event.image) done.image = event.image
      if (event.error) done.error = event.error
      return done
    }
  }
}

/** The latest build of every project, so switching projects mid-build loses nothing. */
export interface LiveBuilds {
  byProject: Record<string, BuildView>
}

export const noLiveBuilds: LiveBuilds = { byProject: {} }

export function reduceLiveBuilds(state: LiveBuilds, events: readonly BuildEvent[]): LiveBuilds {
  let byProject = state.byProject
  for (const event of events) {
    if (event.type === 'build-started') {
      byProject = { ...byProject, [event.contextDir]: reduceBuild(undefined, event) as BuildView }
      continue
    }
    for (const [dir, view] of Object.entries(byProject)) {
      if (view.buildId !== event.buildId) continue
      const next = reduceBuild(view, event)
      if (next && next !== view) byProject = { ...byProject, [dir]: next }
      break
    }
  }
  return byProject === state.byProject ? state : { byProject }
}

/** A build reopened from history, through the same reduction as a live one. */
export function viewFromRecord(record: BuildRecordView): BuildView {
  const events: BuildEvent[] = [
    {
      type: 'build-started',
      buildId: record.id,
      backend: record.backend ?? 'embedded',
      contextDir: record.project,
      dockerfile: record.dockerfile,
      time: Date.parse(record.startedAt),
    },
  ]
  if (record.plan) events.push({ type: 'plan', buildId: record.id, stages: record.plan })
  for (const step of record.steps) events.push({ ...step, buildId: record.id })
  const failed = record.steps.find((s) => s.status === 'failed')
  events.push({
    type: 'build-finished',
    buildId: record.id,
    status: record.status === 'running' ? 'failed' : record.status,
    durationMs: record.durationMs ?? 0,
    ...(record.image ? { image: record.image } : {}),
    ...(failed?.error ? { error: failed.error } : {}),
  })
  return events.reduce<BuildView | undefined>(reduceBuild, undefined) as BuildView
}

export interface BuildTotals {
  layerSteps: number
  cachedLayerSteps: number
  /** 0..100, rounded; undefined when no step has a layer. */
  cachedPercent?: number
  longestMs: number
  failed?: StepView
  finishedSteps: number
  totalSteps: number
}

export function buildTotals(view: BuildView): BuildTotals {
  const steps = Object.values(view.steps)
  const layered = steps.filter((s) => s.layer !== undefined)
  const cached = layered.filter((s) => s.state === 'cached').length
  const failed = steps.find((s) => s.state === 'failed')
  return {
    layerSteps: layered.length,
    cachedLayerSteps: cached,
    ...(layered.length > 0 ? { cachedPercent: Math.round((cached / layered.length) * 100) } : {}),
    longestMs: steps.reduce((max, s) => Math.max(max, s.durationMs ?? 0), 0),
    ...(failed ? { failed } : {}),
    finishedSteps: steps.filter((s) => s.state !== 'pending' && s.state !== 'running').length,
    totalSteps: steps.length,
  }
}
