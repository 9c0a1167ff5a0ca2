// Why a step the daemon built missed its cache: the daemon does not say, so Layerlab computes the
// step inputs itself (the embedded engine's rules, src/engine/cache) from the Dockerfile and the
// context it sent, and compares them with its own record of the previous Docker build.

import type { MissReason, PlannedStep } from '../../shared/build-events'
import {
  baseParentKey,
  chainKey,
  copyStepInputs,
  DEFAULT_SHELL,
  explainMiss,
  parseStepRecord,
  resolveWorkdir,
  runStepInputs,
  stepIdentity,
  workdirStepInputs,
  type BaseImage,
  type ParentRebuilt,
  type SourceInput,
  type StepContext,
  type StepInputs,
  type StepRecord,
} from '../cache'
import type { BuildContext } from '../context'
import type { ExpandedBuild } from '../dockerfile'
import { contextSourceInputs } from '../build/step-keys'
import { lastInputs, recordInputs, type Store } from '../store'
import type { PlannedStageLike } from './docker-backend-plan'

/** What the daemon knows of a base image (docker image inspect). */
export interface DaemonImageInfo {
  /** The image id (config digest), what the daemon builds on. */
  id: string
  env?: string[]
  onBuild?: string[]
  workingDir?: string
  user?: string
  shell?: string[]
}

export interface KeyedStepRecord {
  identity: string
  record: StepRecord
  previous?: StepRecord
}

/** The Docker backend keeps its records apart from the embedded engine's: the bases differ. */
export const dockerStepIdentity = (dockerfilePath: string, stage: string | number, keyedIndex: number): string =>
  `docker ${stepIdentity(dockerfilePath, stage, keyedIndex)}`

/**
 * The inputs of every keyed step (RUN, COPY, ADD, WORKDIR) of the planned stages, by step id,
 * with the record the previous Docker build left for the same step identity. Steps whose inputs
 * cannot be computed here (RUN --mount=bind, a missing source) are left out: they get no reason.
 */
export async function computeStepRecords(options: {
  expanded: ExpandedBuild
  stages: readonly PlannedStageLike[]
  context: BuildContext
  dockerfilePath: string
  images: ReadonlyMap<string, DaemonImageInfo>
  store: Store
}): Promise<Map<string, KeyedStepRecord>> {
  const out = new Map<string, KeyedStepRecord>()
  const stageKeys = new Map<number, string>()
  for (const [i, { stage, steps, platform }] of options.expanded.stages.entries()) {
    const planned = options.stages[i]
    if (!planned) continue
    const image = stage.base.scratch || stage.base.stage !== null ? undefined : options.images.get(stage.base.expanded)
    const base: BaseImage = stage.base.scratch
      ? { kind: 'scratch' }
      : stage.base.stage !== null
        ? { kind: 'stage', name: stage.base.expanded, key: stageKeys.get(stage.base.stage) ?? '' }
        : { kind: 'image', ref: stage.base.expanded, manifestDigest: image?.id ?? stage.base.expanded, platform }
    let key = baseParentKey(base)
    let workdir = image?.workingDir || '/'
    let user = image?.user ?? ''
    let shell: readonly string[] = image?.shell && image.shell.length > 0 ? image.shell : DEFAULT_SHELL
    let keyedIndex = 0
    for (const [s, step] of steps.entries()) {
      const plannedStep = planned.steps[s + 1]
      const instruction = step.expanded
      const ctx: StepContext = { workdir, user, shell, env: step.env, platform, args: step.args }
      let inputs: StepInputs | null = null
      let computable = true
      try {
        if (instruction.kind === 'copy' || instruction.kind === 'add') {
          let sources: SourceInput[]
          if (instruction.kind === 'copy' && instruction.from !== null) {
            const from = instruction.from
            const stageIndex = options.expanded.stages.find((x) => x.stage.name === from.toLowerCase() || String(x.stage.index) === from)?.stage.index
            const digest = stageIndex !== undefined ? `stage:${stageKeys.get(stageIndex) ?? ''}` : `image:${options.images.get(from)?.id ?? from}`
            sources = instruction.sources.map((selector) => ({ selector, digest }))
          } else {
            sources = await contextSourceInputs(options.context, instruction)
          }
          inputs = copyStepInputs(key, instruction, ctx, sources)
        } else if (instruction.kind === 'workdir') {
          inputs = workdirStepInputs(key, instruction, ctx)
        } else if (instruction.kind === 'run') {
          inputs = runStepInputs(key, instruction, ctx)
        }
      } catch {
        computable = false
      }
      const keyed = instruction.kind === 'copy' || instruction.kind === 'add' || instruction.kind === 'run' || (instruction.kind === 'workdir' && (inputs !== null || !computable))
      if (keyed) keyedIndex++
      if (inputs && plannedStep) {
        const identity = dockerStepIdentity(options.dockerfilePath, stage.name ?? stage.index, keyedIndex)
        const previous = parseStepRecord((await lastInputs(options.store, identity))?.inputs)
        out.set(plannedStep.id, { identity, record: { instruction: plannedStep.instruction, inputs }, ...(previous ? { previous } : {}) })
        key = chainKey(key, inputs)
      } else if (keyed) {
        // Unknown inputs: whatever follows cannot be compared reliably either.
        key = `unknown:${plannedStep?.id ?? s}`
      }
      if (instruction.kind === 'workdir') workdir = resolveWorkdir(workdir, instruction.path)
      if (instruction.kind === 'user') user = instruction.user
      if (instruction.kind === 'shell') shell = instruction.shell
    }
    stageKeys.set(stage.index, key)
  }
  return out
}

/** Per stage: the first step the daemon built in this build, for "parent step N was rebuilt". */
export class MissExplainer {
  private readonly rebuilt = new Map<number, ParentRebuilt>()

  constructor(
    private readonly records: ReadonlyMap<string, KeyedStepRecord>,
    private readonly noCache: boolean,
  ) {}

  /** A step the daemon built: why, if it can be said. Call in step order within a stage. */
  built(step: PlannedStep): MissReason | undefined {
    const parentRebuilt = this.rebuilt.get(step.stage.index)
    if (!parentRebuilt) this.rebuilt.set(step.stage.index, { stepId: step.id, index: step.index, instruction: step.instruction })
    if (this.noCache) return { kind: 'no-cache' }
    const keyed = this.records.get(step.id)
    if (!keyed) return undefined
    return explainMiss(keyed.record, keyed.previous, { ...(parentRebuilt ? { parentRebuilt } : {}) })
  }

  /** Remembers the inputs of the steps that finished, for the next build to compare with. */
  async save(store: Store, finished: Iterable<string>): Promise<void> {
    for (const id of finished) {
      const keyed = this.records.get(id)
      if (keyed) await recordInputs(store, keyed.identity, keyed.record)
    }
  }
}
