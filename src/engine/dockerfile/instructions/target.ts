// `--target` and the stages a build needs (dockerfile2llb convert.go: target lookup,
// allReachableStages, initOnBuildTriggers, and the "defined before" checks of dispatch).

import { goQuote, goToLower } from '../go-strings'
import { withSuggestion } from './closest'
import { InstructionError } from './errors'
import { StateTable, commandDependencies } from './graph'
import type { StageDependency } from './graph'
import { parseTriggerAt } from './image-triggers'
import type { Stage } from './stages'
import type { Command, OnbuildInstruction } from './types'

export interface BuildPlan {
  readonly target: Stage
  /** The stages the target needs, itself included, in file order (the order BuildKit runs them). */
  readonly stages: readonly Stage[]
  /**
   * ONBUILD triggers of an in-file base stage, parsed, by the index of the stage that inherits
   * them: they run first in that stage. (Triggers of base images need the image config.)
   */
  readonly triggers: ReadonlyMap<number, readonly Command[]>
  /** Their COPY --from / RUN --mount=from edges, by the same index. */
  readonly triggerDependencies: ReadonlyMap<number, readonly StageDependency[]>
}

function findTarget(stages: readonly Stage[], target: string | undefined): Stage {
  const first = stages[0]
  const last = stages[stages.length - 1]
  if (first === undefined || last === undefined) throw new TypeError('resolveTarget needs at least one stage')
  if (target === undefined || target === '') return last
  const wanted = goToLower(target)
  // The last stage of a repeated name wins, as for --from.
  const found = [...stages].reverse().find((s) => s.name === wanted)
  if (found !== undefined) return found
  const names = stages.flatMap((s) => (s.name === null ? [] : [s.name]))
  const message = withSuggestion(`target stage ${goQuote(target)} could not be found`, target, names)
  // An option, not a line, is at fault; point at the stages it was looked for in.
  const range = { start: first.range.start, end: last.range.end }
  throw new InstructionError(message, range, { phase: 'build' })
}

function parseTrigger(onbuild: OnbuildInstruction, child: Stage): Command {
  // ONBUILD FROM is refused when the ONBUILD itself is parsed; this is the generic refusal.
  return parseTriggerAt(onbuild.expression, child, { fromDetail: 'onbuild trigger should be a single expression' })
}

/**
 * The target stage (`--target`, matched case-insensitively, else the last stage) and every stage
 * it reaches through FROM, COPY --from, RUN --mount=from and inherited ONBUILD triggers. A stage
 * that reads itself or a later stage fails, as BuildKit's dispatch does.
 */
export function resolveTarget(stages: readonly Stage[], target?: string): BuildPlan {
  const targetStage = findTarget(stages, target)
  const table = new StateTable(stages.length, stages.map((s) => s.name))
  const triggers = new Map<number, Command[]>()
  const triggerDeps = new Map<number, StageDependency[]>()
  const reachable = new Set<number>()

  const visit = (index: number): void => {
    if (reachable.has(index)) return
    const stage = stages[index]
    if (stage === undefined) return
    reachable.add(index)
    const baseIndex = stage.base.stage
    if (baseIndex !== null) {
      const parent = stages[baseIndex]
      const inherited = (parent?.instructions ?? []).filter((c): c is OnbuildInstruction => c.kind === 'onbuild')
      if (inherited.length > 0) {
        const commands = inherited.map((o) => parseTrigger(o, stage))
        triggers.set(index, commands)
        triggerDeps.set(index, commands.flatMap((c) => commandDependencies(c, table, '\\')))
      }
      visit(baseIndex)
    }
    for (const dep of [...(triggerDeps.get(index) ?? []), ...stage.dependencies]) {
      if (dep.kind === 'stage') visit(dep.stage)
    }
  }
  visit(targetStage.index)

  const needed = stages.filter((s) => reachable.has(s.index))
  for (const stage of needed) {
    for (const dep of [...(triggerDeps.get(stage.index) ?? []), ...stage.dependencies]) {
      if (dep.kind !== 'stage' || dep.stage < stage.index) continue
      throw new InstructionError(definedBeforeMessage(dep, stage), dep.instruction.range, { phase: 'build' })
    }
  }
  return { target: targetStage, stages: needed, triggers, triggerDependencies: triggerDeps }
}

/** Reading a stage that is not built yet: BuildKit builds stages in file order. */
function definedBeforeMessage(dep: StageDependency, stage: Stage): string {
  if (dep.via === 'copy') {
    const current = goQuote(stage.label)
    return `cannot copy from stage ${goQuote(dep.reference)}, it needs to be defined before current stage ${current}`
  }
  const instruction = dep.instruction
  const mount = instruction.kind === 'run' ? instruction.mounts.find((m) => m.from === dep.reference) : undefined
  const target = mount === undefined ? '' : mountTarget(mount.spec)
  const from = goQuote(dep.reference)
  return `cannot mount from stage ${from} to ${goQuote(target)}, stage needs to be defined before current command`
}

/** The `target=` of a mount spec as written (the message BuildKit prints has it expanded). */
function mountTarget(spec: string): string {
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=')
    const key = goToLower(eq < 0 ? field : field.slice(0, eq))
    if (key === 'target' || key === 'dst' || key === 'destination') return field.slice(eq + 1)
  }
  return ''
}
