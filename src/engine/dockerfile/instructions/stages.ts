// Build stages (BuildKit instructions.Parse, then the part of dockerfile2llb toDispatchState
// that names stages, expands FROM lines with the global ARGs and links the stage graph).

import { goQuote } from '../go-strings'
import { ShellExpansionError, ShellLex } from '../shell-lex'
import type { EscapeToken, ParseResult, SourceRange } from '../syntax'
import { globalArgs, resolveBuildOptions } from './args'
import type { BuildOptions, ResolvedBuildOptions } from './args'
import { closest } from './closest'
import type { EnvEntry, EnvList } from './env-list'
import { DetailError, InstructionError, lintWarning } from './errors'
import type { LintWarning } from './errors'
import { StateTable, checkCircularDependencies, commandDependencies, stageLabel } from './graph'
import type { StageDependency } from './graph'
import { parseInstructionWithLints } from './parse'
import { parsePlatform } from './platform'
import type { Platform } from './platform'
import type { ArgInstruction, Command, FromInstruction } from './types'

export interface StageBase {
  /** The reference as written (`golang:${GO}`). */
  readonly raw: string
  /** Expanded with the global ARGs. */
  readonly expanded: string
  /** The earlier stage it names (exact match on the expanded text), or null for an image. */
  readonly stage: number | null
  /** `scratch`: an empty filesystem, no image. */
  readonly scratch: boolean
}

export interface StagePlatform {
  readonly raw: string
  readonly expanded: string
  readonly platform: Platform
}

export interface Stage {
  /** 0-based position, what `COPY --from=<n>` counts. */
  readonly index: number
  /** `AS name`, lower-cased; null for an unnamed stage. */
  readonly name: string | null
  /** How BuildKit names the stage in messages and progress: the name, else `stage-N`. */
  readonly label: string
  readonly from: FromInstruction
  readonly base: StageBase
  /** `FROM --platform`, when given. */
  readonly platform: StagePlatform | null
  /** The instructions after FROM. */
  readonly instructions: readonly Command[]
  /** Stages and images read by COPY --from and RUN --mount=from (FROM: see `base`). */
  readonly dependencies: readonly StageDependency[]
  /** From FROM through the stage's last instruction. */
  readonly range: SourceRange
}

export interface StagesResult {
  readonly stages: readonly Stage[]
  /** ARGs before the first FROM. */
  readonly metaArgs: readonly ArgInstruction[]
  /** The global scope after build args: platform args and meta ARGs with their values. */
  readonly globalArgs: readonly EnvEntry[]
  readonly warnings: readonly LintWarning[]
  readonly escapeToken: EscapeToken
  readonly options: ResolvedBuildOptions
  /** The whole file, for errors about the file as a whole. */
  readonly range: SourceRange
}

interface RawStage {
  readonly from: FromInstruction
  readonly instructions: Command[]
}

/** instructions.Parse: ARGs before the first FROM are global; anything else there is an error. */
function splitStages(parsed: ParseResult): { raw: RawStage[]; metaArgs: ArgInstruction[]; warnings: LintWarning[] } {
  const raw: RawStage[] = []
  const metaArgs: ArgInstruction[] = []
  const warnings: LintWarning[] = []
  for (const node of parsed.ast.children) {
    const { instruction, warnings: lints } = parseInstructionWithLints(node)
    warnings.push(...lints)
    const current = raw[raw.length - 1]
    if (instruction.kind === 'from') raw.push({ from: instruction, instructions: [] })
    else if (current !== undefined) current.instructions.push(instruction)
    else if (instruction.kind === 'arg') metaArgs.push(instruction)
    // Raised by instructions.Parse outside ParseInstruction: no "dockerfile parse error" prefix.
    else throw new InstructionError('no build stage in current context', node.range, { phase: 'build' })
  }
  return { raw, metaArgs, warnings }
}

/** validateStageNames: reserved and repeated names only warn. */
function stageNameLints(raw: readonly RawStage[]): LintWarning[] {
  const warnings: LintWarning[] = []
  const seen = new Set<string>()
  for (const { from } of raw) {
    const name = from.stageName
    if (name === null) continue
    if (name === 'context' || name === 'scratch') {
      const message = `Stage name should not use the same name as reserved stage ${goQuote(name)}`
      warnings.push(lintWarning('ReservedStageName', message, from.range))
    }
    if (seen.has(name)) {
      const message = `Duplicate stage name ${goQuote(name)}, stage names should be unique`
      warnings.push(lintWarning('DuplicateStageName', message, from.range))
    }
    seen.add(name)
  }
  return warnings
}

/** wrapSuggestAny: a hint for the first unset variable that is close to a global ARG's name. */
function unsetHint(unmatched: ReadonlySet<string>, globals: EnvList): string {
  for (const name of unmatched) {
    const match = closest(name, globals.keys())
    if (match !== null) return ` (did you mean ${match}?)`
  }
  return ''
}

function expandPlatform(from: FromInstruction, lex: ShellLex, globals: EnvList, host: Platform): StagePlatform | null {
  const raw = from.platform
  if (raw === null) return null
  const fail = (detail: string) => new InstructionError(detail, from.range, { phase: 'build' })
  let result: { result: string; unmatched: Set<string> }
  try {
    result = lex.processWord(raw, globals.lookup)
  } catch (err) {
    // BuildKit formats the (empty) partial result into the message.
    if (err instanceof ShellExpansionError) throw fail(`failed to process arguments for platform : ${err.message}`)
    throw err
  }
  if (result.result === '') {
    throw fail(`empty platform value from expression ${raw}${unsetHint(result.unmatched, globals)}`)
  }
  try {
    return { raw, expanded: result.result, platform: parsePlatform(result.result, host) }
  } catch (err) {
    if (err instanceof DetailError) {
      throw fail(`failed to parse platform ${raw}: ${err.message}${unsetHint(result.unmatched, globals)}`)
    }
    throw err
  }
}

function expandBase(from: FromInstruction, lex: ShellLex, globals: EnvList): string {
  let expanded: string
  try {
    expanded = lex.processWord(from.baseName, globals.lookup).result
  } catch (err) {
    if (err instanceof ShellExpansionError) throw new InstructionError(err.message, from.range, { phase: 'build' })
    throw err
  }
  if (expanded === '') {
    throw new InstructionError(`base name (${from.baseName}) should not be blank`, from.range, { phase: 'build' })
  }
  return expanded
}

/**
 * Parses every instruction and groups them into stages, as a build does before running anything:
 * global ARGs evaluated (with `options.buildArgs` and the automatic platform args), each FROM
 * expanded and linked to an earlier stage of that name, COPY --from / RUN --mount=from edges
 * collected and checked for cycles. Throws InstructionError (parse errors first, in file order).
 */
export function parseStages(parsed: ParseResult, options: BuildOptions = {}): StagesResult {
  const resolved = resolveBuildOptions(options)
  const { raw, metaArgs, warnings } = splitStages(parsed)
  const last = raw[raw.length - 1]
  if (last === undefined) {
    throw new InstructionError('dockerfile contains no stages to build', parsed.ast.range, { phase: 'build' })
  }
  warnings.push(...stageNameLints(raw))

  const lex = new ShellLex({ escapeToken: parsed.escapeToken })
  const targetStage = resolved.target ?? last.from.stageName ?? ''
  const globals = globalArgs(metaArgs, lex, resolved, targetStage)

  // A FROM names a stage defined above it; a later stage of the same name does not count yet.
  const earlier = new Map<string, number>()
  const partial = raw.map(({ from, instructions }, index) => {
    const expanded = expandBase(from, lex, globals)
    const platform = expandPlatform(from, lex, globals, resolved.buildPlatform)
    const stage = earlier.get(expanded) ?? null
    if (from.stageName !== null) earlier.set(from.stageName, index)
    const base: StageBase = { raw: from.baseName, expanded, stage, scratch: stage === null && expanded === 'scratch' }
    const lastRange = instructions[instructions.length - 1]?.range ?? from.range
    const range = { start: from.range.start, end: lastRange.end }
    return { index, name: from.stageName, from, base, platform, instructions, range }
  })

  const table = new StateTable(partial.length, partial.map((s) => s.name))
  const deps = partial.map((s) => s.instructions.flatMap((c) => commandDependencies(c, table, parsed.escapeToken)))
  // BuildKit blanks a lone stage's name only after this check, so the check names it stage-0.
  checkCircularDependencies(deps, (i) => stageLabel(partial[i]?.name ?? null, i, Infinity))
  const label = (i: number) => stageLabel(partial[i]?.name ?? null, i, table.size)

  const stages: Stage[] = partial.map((s, i) => ({ ...s, label: label(i), dependencies: deps[i] ?? [] }))
  return {
    stages,
    metaArgs,
    globalArgs: globals.entries,
    warnings,
    escapeToken: parsed.escapeToken,
    options: resolved,
    range: parsed.ast.range,
  }
}
