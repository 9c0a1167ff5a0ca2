// The stage graph (dockerfile2llb convert.go toCommand, detectRunMount, validations.go
// validateCircularDependency): which stages and images each stage reads through
// `COPY --from` and `RUN --mount=from=`. FROM edges are resolved when stages are named (stages.ts).

import { goToLower } from '../go-strings'
import { ShellExpansionError, ShellLex } from '../shell-lex'
import type { SourceRange } from '../syntax'
import { InstructionError } from './errors'
import { atoi } from './go-parse'
import type { Command, CopyInstruction, RunInstruction } from './types'

export type DependencyVia = 'copy' | 'mount'

export type StageDependency =
  | {
      readonly kind: 'stage'
      /** Index of the stage read. */
      readonly stage: number
      readonly via: DependencyVia
      /** The `--from` / `from=` value as written. */
      readonly reference: string
      readonly instruction: CopyInstruction | RunInstruction
    }
  | {
      readonly kind: 'image'
      /** An image reference that names no stage (or an index past the stages, see below). */
      readonly ref: string
      readonly via: DependencyVia
      readonly reference: string
      readonly instruction: CopyInstruction | RunInstruction
    }

/**
 * BuildKit's list of states while the graph is built: the stages, then one "unregistered" state
 * per reference to an image, appended as they are met. `COPY --from=<n>` indexes this list, so
 * an index past the last stage can name such an image, exactly as in BuildKit.
 */
export class StateTable {
  private readonly byName = new Map<string, number>()
  /** Refs of the unregistered image states, in order; their index is stageCount + position. */
  readonly images: string[] = []

  constructor(
    readonly stageCount: number,
    names: readonly (string | null)[],
  ) {
    // Later definitions win: `--from` and `--target` see the last stage of a duplicated name.
    names.forEach((name, i) => {
      if (name !== null) this.byName.set(name, i)
    })
  }

  get size(): number {
    return this.stageCount + this.images.length
  }

  findByName(name: string): number | undefined {
    return this.byName.get(goToLower(name))
  }

  addImage(ref: string): void {
    this.images.push(ref)
  }
}

function fromError(detail: string, at: SourceRange): InstructionError {
  return new InstructionError(detail, at, { phase: 'build' })
}

/** A reference to a stage by name, or to an image (registered as a new state). */
function byName(
  table: StateTable,
  reference: string,
  base: { via: DependencyVia; instruction: CopyInstruction | RunInstruction },
): StageDependency {
  const stage = table.findByName(reference)
  if (stage !== undefined) return { kind: 'stage', stage, reference, ...base }
  table.addImage(reference)
  return { kind: 'image', ref: reference, reference, ...base }
}

function copyDependency(copy: CopyInstruction, table: StateTable, escape: '\\' | '`'): StageDependency | null {
  const from = copy.from
  if (from === null) return null
  // BuildKit expands `--from` against no variables at all and refuses any change.
  let expanded: string
  try {
    expanded = new ShellLex({ escapeToken: escape }).processWord(from, () => undefined).result
  } catch (err) {
    if (err instanceof ShellExpansionError) throw fromError(err.message, copy.range)
    throw err
  }
  if (expanded !== from) {
    throw fromError(
      'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
      copy.range,
    )
  }
  const base = { via: 'copy' as const, instruction: copy }
  const index = /^[+-]?[0-9]+$/.test(from) ? atoi(from) : null
  if (index === null) return byName(table, from, base)
  if (index < 0 || index >= table.size) throw fromError(`invalid stage index ${index}`, copy.range)
  if (index < table.stageCount) return { kind: 'stage', stage: index, reference: from, ...base }
  const ref = table.images[index - table.stageCount] ?? ''
  // BuildKit registers an image state again each time a command reads it, even by index.
  table.addImage(ref)
  return { kind: 'image', ref, reference: from, ...base }
}

/**
 * A RUN reads every mount's `from=`. A mount without one stands for `scratch`: BuildKit cannot
 * look at the type (it may be a variable), so even a tmpfs counts, and a stage named `scratch`
 * becomes a dependency. Those implicit `scratch` images are registered but not reported.
 */
function mountDependencies(run: RunInstruction, table: StateTable): StageDependency[] {
  const out: StageDependency[] = []
  for (const mount of run.mounts) {
    const reference = mount.from ?? ''
    const dep = byName(table, reference === '' ? 'scratch' : reference, { via: 'mount', instruction: run })
    if (reference !== '' || dep.kind === 'stage') out.push({ ...dep, reference })
  }
  return out
}

/** The stages and images one command reads (toCommand). Throws for a bad `--from`. */
export function commandDependencies(command: Command, table: StateTable, escape: '\\' | '`'): StageDependency[] {
  if (command.kind === 'copy') {
    const dep = copyDependency(command, table, escape)
    return dep === null ? [] : [dep]
  }
  if (command.kind === 'run') return mountDependencies(command, table)
  return []
}

/** The display name BuildKit uses in messages: the stage name, else `stage-N`. */
export function stageLabel(name: string | null, index: number, stateCount: number): string {
  if (stateCount === 1) return ''
  return name ?? `stage-${index}`
}

/**
 * validateCircularDependency: a depth-first walk over COPY/mount edges (FROM edges cannot loop,
 * a FROM only sees earlier stages). The error lists every instruction on the loop.
 */
export function checkCircularDependencies(
  deps: readonly (readonly StageDependency[])[],
  label: (index: number) => string,
): void {
  const visited = new Set<number>()
  const onPath = new Set<number>()
  const visit = (stage: number, chain: readonly StageDependency[]): StageDependency[] | null => {
    if (visited.has(stage)) return null
    visited.add(stage)
    onPath.add(stage)
    // BuildKit keeps one command per target stage (the last); walk them in that spirit.
    const last = new Map<number, StageDependency>()
    for (const dep of deps[stage] ?? []) if (dep.kind === 'stage') last.set(dep.stage, dep)
    for (const [target, dep] of last) {
      const next = [...chain, dep]
      if (onPath.has(target)) return next
      const loop = visit(target, next)
      if (loop !== null) return loop
    }
    onPath.delete(stage)
    return null
  }
  for (let i = 0; i < deps.length; i++) {
    const loop = visit(i, [])
    if (loop === null) continue
    const [first, ...rest] = loop.map((d) => d.instruction.range)
    if (first === undefined) continue
    throw new InstructionError(`circular dependency detected on stage: ${label(i)}`, first, {
      phase: 'build',
      locations: [first, ...rest],
    })
  }
}
