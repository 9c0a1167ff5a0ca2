// The plan of a build the daemon runs: the same stages and step ids as the embedded engine's
// planBuild, made without the Layerlab store (the base images are the daemon's), plus the maps
// from what each builder prints back to those steps.

import type { PlannedStep } from '../../shared/build-events'
import {
  expandStages,
  parseDockerfile,
  parseStages,
  resolveTarget,
  type ExpandedBuild,
  type ExpandedStage,
  type StagesResult,
} from '../dockerfile'
import { hostPlatform, plannedStage, type PlannedStage } from '../build/plan'
import type { DaemonImageInfo } from './docker-backend-inputs'
import { parseVertexName } from './buildkit-trace'

export type PlannedStageLike = PlannedStage

export interface DockerPlan {
  staged: StagesResult
  expanded: ExpandedBuild
  stages: PlannedStage[]
  warnings: { message: string; line?: number }[]
}

/** Parses and stages the Dockerfile; returns the base image references the daemon should describe. */
export function stageDockerfile(text: string, options: { buildArgs?: Record<string, string>; target?: string }): { staged: StagesResult; baseImages: string[] } {
  const platform = hostPlatform()
  const staged = parseStages(parseDockerfile(text), {
    buildArgs: options.buildArgs ?? {},
    buildPlatform: platform,
    targetPlatform: platform,
    ...(options.target === undefined ? {} : { target: options.target }),
  })
  const refs = new Set<string>()
  for (const stage of staged.stages) if (!stage.base.scratch && stage.base.stage === null) refs.add(stage.base.expanded)
  return { staged, baseImages: [...refs] }
}

/**
 * Expands and lists the steps. `legacy`: the legacy builder builds every stage up to the target
 * in file order (BuildKit only those the target needs).
 */
export function planDockerBuild(
  staged: StagesResult,
  images: ReadonlyMap<string, DaemonImageInfo>,
  options: { target?: string; legacy: boolean },
): DockerPlan {
  const expandOptions = {
    imageEnv: (ref: string) => images.get(ref)?.env,
    imageTriggers: (ref: string) => images.get(ref)?.onBuild,
  }
  let expanded = expandStages(staged, { ...expandOptions, ...(options.legacy ? { allStages: true } : {}) })
  if (options.legacy) {
    const target = resolveTarget(staged.stages, options.target).target
    expanded = { ...expanded, stages: expanded.stages.filter((s) => s.stage.index <= target.index) }
  }
  const stages = expanded.stages.map(plannedStage)
  const warnings = staged.warnings.map((w) => ({ message: w.message, line: w.range.start.line }))
  return { staged, expanded, stages, warnings }
}

/** Whether BuildKit shows the step as a vertex `[i/N] …`: FROM of an image, RUN, COPY, ADD, WORKDIR. */
function hasVertex(step: PlannedStep, stage: ExpandedStage): boolean {
  if (step.kind === 'from') return !stage.stage.base.scratch && stage.stage.base.stage === null
  return step.kind !== 'metadata'
}

/** Maps BuildKit vertex names (`[stage-1 2/3] COPY a b`) to planned steps. */
export class VertexStepMap {
  private readonly byStage = new Map<string, PlannedStep[]>()
  private readonly single: PlannedStep[] | undefined

  constructor(plan: DockerPlan) {
    for (const [i, expanded] of plan.expanded.stages.entries()) {
      const planned = plan.stages[i]
      if (!planned) continue
      const counted = planned.steps.filter((s) => hasVertex(s, expanded))
      this.byStage.set(expanded.stage.label.toLowerCase(), counted)
      this.byStage.set(`stage-${expanded.stage.index}`, counted)
    }
    // BuildKit drops the prefix when the file has one stage.
    const only = plan.staged.stages.length === 1 ? plan.expanded.stages[0] : undefined
    this.single = only ? this.byStage.get(`stage-${only.stage.index}`) : undefined
  }

  step(vertexName: string): PlannedStep | undefined {
    const parsed = parseVertexName(vertexName)
    if (!parsed) return undefined
    const steps = parsed.stage === undefined ? this.single : this.byStage.get(parsed.stage.toLowerCase())
    return steps?.[parsed.position - 1]
  }
}

/**
 * Maps the legacy builder's `Step N/M` to planned steps: meta ARGs count first, then each stage's
 * FROM and instructions (ONBUILD triggers run inside the FROM step and have no number).
 */
export function legacyStepMap(plan: DockerPlan): (number | string)[] {
  const numbers: (number | string)[] = plan.staged.metaArgs.map(() => -1)
  for (const [i, expanded] of plan.expanded.stages.entries()) {
    const planned = plan.stages[i]
    if (!planned) continue
    numbers.push(planned.steps[0]?.id ?? -1)
    expanded.steps.forEach((step, s) => {
      if (!step.onbuild) numbers.push(planned.steps[s + 1]?.id ?? -1)
    })
  }
  return numbers
}
