import type { PlannedStep, StageRef, StepKind } from '../../shared/build-events'
import {
  expandStages,
  InstructionError,
  parseDockerfile,
  parseStages,
  resolveTarget,
  type Command,
  type ExpandedBuild,
  type Platform,
  type SourceRange,
  type Stage,
} from '../dockerfile'
import type { Executor } from '../exec/executor'
import { hostArchitecture, resolveImage, StoreError, type ResolvedImage, type Store } from '../store'

export interface PlanOptions {
  dockerfileText: string
  buildArgs?: Record<string, string>
  target?: string
  store: Store
  executor: Executor
}

export interface PlannedStage {
  stage: StageRef
  base: string
  steps: PlannedStep[]
}

export interface BuildPlan {
  expanded: ExpandedBuild
  /** Images from the store that FROM and COPY --from name, by reference as written (expanded). */
  images: Map<string, ResolvedImage>
  stages: PlannedStage[]
  warnings: { message: string; line?: number }[]
}

export function hostPlatform(): Platform {
  return { os: 'linux', arch: hostArchitecture(), variant: '' }
}

const stepKinds: Partial<Record<Command['kind'], StepKind>> = {
  run: 'run',
  copy: 'copy',
  add: 'add',
  workdir: 'workdir',
}

export function stepKind(kind: Command['kind']): StepKind {
  return stepKinds[kind] ?? 'metadata'
}

export const stepId = (stageIndex: number, stepIndex: number): string => `${stageIndex}.${stepIndex}`

function stageRef(stage: Stage): StageRef {
  return stage.name === null ? { index: stage.index } : { index: stage.index, name: stage.name }
}

/**
 * Text → stages for the target → base images found → variables expanded → steps listed. Every
 * error here is located at its line, and nothing has been built yet when one is raised.
 */
export async function planBuild(options: PlanOptions): Promise<BuildPlan> {
  const parsed = parseDockerfile(options.dockerfileText)
  const platform = hostPlatform()
  const staged = parseStages(parsed, {
    buildArgs: options.buildArgs ?? {},
    buildPlatform: platform,
    targetPlatform: platform,
    ...(options.target === undefined ? {} : { target: options.target }),
  })

  const images = new Map<string, ResolvedImage>()
  for (const stage of resolveTarget(staged.stages, options.target).stages) {
    if (!stage.base.scratch && stage.base.stage === null && !images.has(stage.base.expanded)) {
      images.set(stage.base.expanded, await findImage(options.store, stage.base.expanded, stage.from.range))
    }
    for (const dep of stage.dependencies) {
      if (dep.kind === 'image' && !images.has(dep.ref)) images.set(dep.ref, await findImage(options.store, dep.ref, dep.instruction.range))
    }
  }
  const imageEnv = (ref: string): readonly string[] | undefined => {
    const env = (images.get(ref)?.config.config as { Env?: string[] } | undefined)?.Env
    return env ?? undefined
  }
  const expanded = expandStages(staged, { imageEnv })

  const runUnavailable = options.executor.unavailableReason()
  const stages: PlannedStage[] = expanded.stages.map(({ stage, steps }) => {
    const ref = stageRef(stage)
    const planned: PlannedStep[] = [
      {
        id: stepId(stage.index, 0),
        stage: ref,
        index: 0,
        kind: 'from',
        instruction: stage.from.original,
        location: stage.from.range,
      },
    ]
    steps.forEach(({ expanded: instruction }, i) => {
      if (instruction.kind === 'run' && runUnavailable) {
        throw new InstructionError(runUnavailable, instruction.range, { phase: 'build' })
      }
      planned.push({
        id: stepId(stage.index, i + 1),
        stage: ref,
        index: i + 1,
        kind: stepKind(instruction.kind),
        instruction: instruction.original,
        location: instruction.range,
      })
    })
    return { stage: ref, base: stage.base.expanded, steps: planned }
  })

  const warnings = staged.warnings.map((w) => ({ message: w.message, line: w.range.start.line }))
  return { expanded, images, stages, warnings }
}

async function findImage(store: Store, ref: string, range: SourceRange): Promise<ResolvedImage> {
  try {
    return await resolveImage(store, ref)
  } catch (error) {
    if (error instanceof StoreError && (error.code === 'not-found' || error.code === 'invalid-reference')) {
      const detail =
        error.code === 'not-found' ? `image "${ref}" is not in the Layerlab store (add it with "layerlab load")` : error.message
      throw new InstructionError(detail, range, { phase: 'build' })
    }
    throw error
  }
}
