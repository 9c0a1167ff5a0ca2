import path from 'node:path'
import type { BuildPlanEvent, StepFinishedEvent } from '../shared/build-events'
import type { BuildRecordView, BuildSummary } from '../shared/project-api'
import { isInside, toPosix } from './api-paths'
import type { BuildRecord } from './store'

/**
 * Build records as the UI reads them. A record is JSON on disk that older versions (or a
 * crash) may have written differently, so its loose parts are checked, not cast.
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stepEvents(record: BuildRecord): StepFinishedEvent[] {
  if (!Array.isArray(record.eventsSummary)) return []
  return record.eventsSummary.filter(
    (e): e is StepFinishedEvent =>
      isObject(e) &&
      e.type === 'step-finished' &&
      typeof e.stepId === 'string' &&
      typeof e.status === 'string' &&
      typeof e.instruction === 'string' &&
      isObject(e.stage) &&
      isObject(e.location),
  )
}

function planStages(record: BuildRecord): BuildPlanEvent['stages'] | null {
  if (!Array.isArray(record.plan)) return null
  const stages = record.plan.filter(
    (s): s is BuildPlanEvent['stages'][number] => isObject(s) && isObject(s.stage) && Array.isArray(s.steps),
  )
  return stages.length === record.plan.length ? stages : null
}

function durationOf(record: BuildRecord): number | undefined {
  const total = record.timings?.totalMs
  if (typeof total === 'number' && Number.isFinite(total)) return total
  if (!record.finishedAt) return undefined
  const ms = Date.parse(record.finishedAt) - Date.parse(record.startedAt)
  return Number.isFinite(ms) ? ms : undefined
}

function relativeDockerfile(record: BuildRecord): string {
  const file = typeof record.dockerfile === 'string' ? record.dockerfile : ''
  if (file && path.isAbsolute(file) && isInside(record.project, file)) return toPosix(path.relative(record.project, file))
  return file
}

export function toBuildSummary(record: BuildRecord): BuildSummary {
  const steps = stepEvents(record)
  const layered = steps.filter((s) => s.layer !== undefined)
  const durationMs = durationOf(record)
  const digest = record.result?.imageDigest ?? record.result?.daemonImageId
  return {
    id: record.id,
    startedAt: record.startedAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    status: record.status,
    ...(durationMs === undefined ? {} : { durationMs }),
    dockerfile: relativeDockerfile(record),
    ...(record.backend === 'docker' ? { backend: 'docker' as const } : {}),
    ...(digest ? { image: { digest, tags: record.result?.tags ?? [] } } : {}),
    layerSteps: layered.length,
    cachedLayerSteps: layered.filter((s) => s.status === 'cached').length,
  }
}

export function toBuildView(record: BuildRecord): BuildRecordView {
  return { ...toBuildSummary(record), project: record.project, plan: planStages(record), steps: stepEvents(record) }
}
