import type { PlannedStep, StageRef, StepKind } from '../../shared/build-events'
import {
  expandStages,
  goQuote,
  InstructionError,
  parseDockerfile,
  parseStages,
  resolveTarget,
  type Command,
  type ExpandedBuild,
  type ExpandedStage,
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
  /** Asked whether RUN can run here; without it (a forecast) RUN steps are planned unchecked. */
  executor?: Executor
  /**
   * Fetches an image that FROM or COPY --from names when the store lacks it (a registry pull),
   * so that it resolves afterwards. Its errors are shown at that instruction's line as they
   * are, so they should be in the user's terms (`pull access denied for x`, `manifest unknown:
   * x:tag not found`, `cannot reach registry …`). `at` names the FROM step the image is the base
   * of, so its progress can be shown on that step; absent for COPY --from and trigger images.
   */
  pull?: (ref: string, at?: { stepId: string }) => Promise<void>
  /**
   * Without `pull`: an image the store lacks is passed here and left out of `images` instead of
   * failing the plan (a forecast says the build will pull it).
   */
  onMissingImage?: (ref: string, range: SourceRange) => void
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
  const need = async (ref: string, range: SourceRange, fromStepId?: string): Promise<void> => {
    if (images.has(ref)) return
    if (options.onMissingImage && !options.pull && !(await hasImage(options.store, ref))) {
      options.onMissingImage(ref, range)
      return
    }
    images.set(ref, await findImage(options.store, ref, range, options.pull, fromStepId))
  }
  for (const stage of resolveTarget(staged.stages, options.target).stages) {
    if (!stage.base.scratch && stage.base.stage === null) await need(stage.base.expanded, stage.from.range, stepId(stage.index, 0))
    for (const dep of stage.dependencies) if (dep.kind === 'image') await need(dep.ref, dep.instruction.range)
  }
  const containerConfig = (ref: string): { Env?: unknown; OnBuild?: unknown } | undefined => {
    const config = images.get(ref)?.config.config
    return typeof config === 'object' && config !== null ? (config as { Env?: unknown; OnBuild?: unknown }) : undefined
  }
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined)
  const expandOptions = {
    imageEnv: (ref: string) => strings(containerConfig(ref)?.Env),
    // A base image's ONBUILD triggers run first in the stage built FROM it (expandStages).
    imageTriggers: (ref: string) => strings(containerConfig(ref)?.OnBuild),
  }
  // Triggers can read stages and images nothing else needs (COPY --from, RUN --mount=from): a
  // stage they bring in may have a base image not resolved yet. Resolve, expand again.
  let expanded = expandStages(staged, expandOptions)
  for (;;) {
    const before = images.size
    for (const { stage, triggerDependencies } of expanded.stages) {
      if (!stage.base.scratch && stage.base.stage === null) await need(stage.base.expanded, stage.from.range, stepId(stage.index, 0))
      for (const dep of triggerDependencies) if (dep.kind === 'image') await need(dep.ref, dep.instruction.range)
    }
    if (images.size === before) break
    expanded = expandStages(staged, expandOptions)
  }

  // Asked only when there is a RUN: the check spawns tools, which a COPY-only build need not pay.
  const hasRun = expanded.stages.some(({ steps }) => steps.some((s) => s.expanded.kind === 'run'))
  const runUnavailable = hasRun ? options.executor?.unavailableReason() : undefined
  if (runUnavailable) {
    for (const { steps } of expanded.stages) {
      for (const { expanded: instruction, onbuild } of steps) {
        if (instruction.kind !== 'run') continue
        const detail = onbuild ? `${runUnavailable} (ONBUILD trigger ${goQuote(instruction.original)})` : runUnavailable
        throw new InstructionError(detail, instruction.range, { phase: 'build' })
      }
    }
  }
  const stages = expanded.stages.map(plannedStage)

  const warnings = staged.warnings.map((w) => ({ message: w.message, line: w.range.start.line }))
  return { expanded, images, stages, warnings }
}

async function hasImage(store: Store, ref: string): Promise<boolean> {
  try {
    await resolveImage(store, ref)
    return true
  } catch (error) {
    if (error instanceof StoreError && error.code === 'not-found') return false
    throw error
  }
}

async function findImage(store: Store, ref: string, range: SourceRange, pull?: PlanOptions['pull'], fromStepId?: string): Promise<ResolvedImage> {
  try {
    return await resolveImage(store, ref)
  } catch (error) {
    if (pull && error instanceof StoreError && error.code === 'not-found') {
      try {
        await pull(ref, fromStepId === undefined ? undefined : { stepId: fromStepId })
        return await resolveImage(store, ref)
      } catch (pullError) {
        // A cancelled build stays a cancellation, not an error at the FROM line.
        if (pullError instanceof Error && pullError.name === 'AbortError') throw pullError
        throw new InstructionError(pullError instanceof Error ? pullError.message : String(pullError), range, { phase: 'build' })
      }
    }
    if (error instanceof StoreError && (error.code === 'not-found' || error.code === 'invalid-reference')) {
      const detail =
        error.code === 'not-found' ? `image "${ref}" is not in the Layerlab store (add it with "layerlab load")` : error.message
      throw new InstructionError(detail, range, { phase: 'build' })
    }
    throw error
  }
}

/**
 * The steps of one stage as the events name them: FROM, then one per expanded step in order
 * (stage-runner pairs expanded.steps[i] with steps[i + 1]). Shared by both backends.
 */
export function plannedStage({ stage, steps }: ExpandedStage): PlannedStage {
  const ref = stageRef(stage)
  const planned: PlannedStep[] = [
    { id: stepId(stage.index, 0), stage: ref, index: 0, kind: 'from', instruction: stage.from.original, location: stage.from.range },
  ]
  steps.forEach(({ expanded: instruction, onbuild }, i) => {
    planned.push({
      id: stepId(stage.index, i + 1),
      stage: ref,
      index: i + 1,
      kind: stepKind(instruction.kind),
      // BuildKit's progress says `[2/3] ONBUILD COPY a b` for a trigger. Its location is the
      // FROM of the stage (where it fires; the text is in the base's Dockerfile or config).
      instruction: onbuild ? `ONBUILD ${instruction.original}` : instruction.original,
      location: instruction.range,
    })
  })
  return { stage: ref, base: stage.base.expanded, steps: planned }
}
