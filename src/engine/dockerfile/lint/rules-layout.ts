// Rules about how instructions are laid out: consecutive RUNs, COPY of the whole context before
// a dependency install, no .dockerignore around .git / node_modules, unpinned base images.

import type { Command, CopyInstruction, AddInstruction } from '../instructions/types'
import type { SourceRange } from '../syntax'
import { formatSize } from '../../../shared/format'
import { dependencyInstall, STATEFUL_BUILTINS, type DependencyInstall } from './commands'
import type { LintModel, LintStage, RunStep } from './model'
import { finding, type ContextFacts, type LintFinding, type LintFix } from './types'

/** Whether a RUN can be joined to others with `&&` without changing what runs. */
function mergeable(step: RunStep): boolean {
  const run = step.instruction
  return run.command.form === 'shell' && run.heredocs.length === 0 && run.flagsUsed.length === 0 && step.commands.every((c) => c.source.origin === 'command')
}

/** No `cd`, `export`, bare assignment…: nothing that would change the commands after it. */
function leavesNoState(step: RunStep): boolean {
  return step.commands.every(({ command }) => {
    const first = command.words[0]?.value ?? ''
    if (STATEFUL_BUILTINS.has(first)) return false
    return !command.words.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value))
  })
}

/** Only `&&` and `|` at the top level: `X && <this>` then runs all of it only when X succeeded. */
function chainsCleanly(step: RunStep): boolean {
  const commands = step.commands
  return commands.every((c, i) => i === commands.length - 1 || c.command.followedBy === '&&' || c.command.followedBy === '|')
}

function hasComment(step: RunStep): boolean {
  return step.node.original.includes('#')
}

function valueRange(step: RunStep): SourceRange | null {
  const value = step.node.next
  return value?.kind === 'value' ? value.range : null
}

/** Joins `steps` into the first: `RUN a` + `RUN b` → `RUN a && \` / `    b`. Null when unsafe. */
export function mergeRunsFix(steps: readonly RunStep[]): LintFix | null {
  if (steps.length < 2 || !steps.every(mergeable) || steps.some(hasComment)) return null
  if (!steps.slice(0, -1).every(leavesNoState) || !steps.slice(1).every(chainsCleanly)) return null
  const edits = []
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1]
    const current = steps[i]
    if (!previous || !current || current.node.startLine !== previous.node.endLine + 1) return null
    const end = valueRange(previous)
    const start = valueRange(current)
    if (!end || !start) return null
    edits.push({ range: { start: end.end, end: start.start }, text: ' && \\\n    ' })
  }
  return { title: `Merge ${steps.length} RUNs into one`, edits }
}

/** Consecutive RUN instructions in a stage, as groups of two or more. */
export function runGroups(stage: LintStage): RunStep[][] {
  const groups: RunStep[][] = []
  let current: RunStep[] = []
  for (const command of stage.stage.instructions) {
    const step = stage.runs.get(command)
    if (step) {
      current.push(step)
      continue
    }
    if (current.length > 1) groups.push(current)
    current = []
  }
  if (current.length > 1) groups.push(current)
  return groups
}

export function consecutiveRuns(stage: LintStage): LintFinding[] {
  return runGroups(stage).map((group) => {
    const first = group[0]
    const last = group[group.length - 1]
    const second = group[1]
    const lines = group.map((s) => s.instruction.line)
    const fix = mergeRunsFix(group)
    const range = { start: (second ?? first)?.instruction.range.start ?? { line: 1, column: 1 }, end: last?.instruction.range.end ?? { line: 1, column: 1 } }
    return finding('consecutive-runs', `${group.length} consecutive RUNs (lines ${lines.join(', ')}) make ${group.length} layers; one RUN would make one`, range, {
      fixes: fix ? [fix] : [],
      probe: { kind: 'run-group', lines, instructions: group.map((s) => s.instruction.original) },
    })
  })
}

const WHOLE_CONTEXT = new Set(['.', './', '*', './*', '/'])

/** The source word of a COPY/ADD that takes the whole context (`COPY . .`), with its range. */
export function wholeContextCopy(stage: LintStage, command: Command): { word: string; range: SourceRange } | null {
  if (command.kind !== 'copy' && command.kind !== 'add') return null
  const copy = command as CopyInstruction | AddInstruction
  if (copy.kind === 'copy' && copy.from !== null) return null
  const node = stage.nodes.get(command)
  const values: { value: string; range: SourceRange }[] = []
  for (let arg = node?.next ?? null; arg; arg = arg.next) if (arg.kind === 'value') values.push({ value: arg.value, range: arg.range })
  const source = values.slice(0, -1).find((v) => WHOLE_CONTEXT.has(v.value))
  return source ? { word: source.value, range: source.range } : null
}

/** `COPY . .` as written when it is short, else `COPY .`. */
function copyName(command: Command, word: string): string {
  return command.original.length <= 40 ? command.original : `${command.keyword.toUpperCase()} ${word}`
}

function firstInstall(step: RunStep): DependencyInstall | null {
  for (const call of step.calls) {
    const found = dependencyInstall(call.invocation)
    if (found) return found
  }
  return null
}

export function copyAllBeforeDeps(stage: LintStage): LintFinding[] {
  const out: LintFinding[] = []
  const commands = stage.stage.instructions
  commands.forEach((command, i) => {
    const copy = wholeContextCopy(stage, command)
    if (!copy) return
    for (const later of commands.slice(i + 1)) {
      const step = stage.runs.get(later)
      const install = step ? firstInstall(step) : null
      if (!step || !install) continue
      out.push(
        finding(
          'copy-all-before-deps',
          `${copyName(command, copy.word)} copies the whole context before ${install.tool} (line ${step.instruction.line}): any changed file reinstalls the dependencies; copy ${install.manifests.join(' and ')} first, install, then copy the rest`,
          copy.range,
          { probe: { kind: 'step-rebuilds', line: step.instruction.line, instruction: step.instruction.original } },
        ),
      )
      return
    }
  })
  return out
}

export function dockerignoreMissing(model: LintModel, facts: ContextFacts | undefined): LintFinding[] {
  if (!facts || facts.heavyDirs.length === 0) return []
  for (const stage of model.stages) {
    for (const command of stage.stage.instructions) {
      const copy = wholeContextCopy(stage, command)
      if (!copy) continue
      const names = facts.heavyDirs.map((d) => d.name)
      const bytes = facts.heavyDirs.reduce((sum, d) => sum + d.bytes, 0)
      const what = facts.heavyDirs.map((d) => `${d.name} (${formatSize(d.bytes)} in ${d.files} files)`).join(' and ')
      const missing = facts.dockerignore === 'none'
      const message = missing
        ? `No .dockerignore: ${copyName(command, copy.word)} sends and copies ${names.join(' and ')} into the image`
        : `The .dockerignore does not exclude ${names.join(' or ')}: ${copyName(command, copy.word)} copies ${names.length > 1 ? 'them' : 'it'} into the image`
      const fixes: LintFix[] = missing
        ? [{ title: `Create .dockerignore with ${names.join(' and ')}`, edits: [], createFile: { path: '.dockerignore', text: names.map((n) => `${n}\n`).join('') } }]
        : []
      return [finding('dockerignore-missing', message, copy.range, { fixes, cost: { text: `context: ${what}`, bytes } })]
    }
  }
  return []
}

/** `name`, `name:tag`, `name@digest`: the tag, '' for none, null when pinned by digest. */
function tagOf(reference: string): string | null {
  if (reference.includes('@')) return null
  const lastSlash = reference.lastIndexOf('/')
  const colon = reference.indexOf(':', lastSlash + 1)
  return colon < 0 ? '' : reference.slice(colon + 1)
}

export function baseUnpinned(stage: LintStage): LintFinding[] {
  const base = stage.stage.base
  if (base.stage !== null || base.scratch) return []
  const reference = base.expanded
  // A variable that expanded to nothing (an ARG without a default) says nothing about the tag.
  if (reference === '' || /[:@]$/.test(reference) || reference.startsWith(':') || reference.includes('$')) return []
  const tag = tagOf(reference)
  if (tag !== '' && tag !== 'latest') return []
  const node = stage.nodes.get(stage.stage.from) ?? null
  let range = stage.stage.from.range
  for (let arg = node?.next ?? null; arg; arg = arg.next) {
    if (arg.kind === 'value') {
      range = arg.range
      break
    }
  }
  const via = base.raw === reference ? '' : ` (${base.raw} resolves to ${reference})`
  const message = tag === '' ? `${reference} has no tag${via}: it means :latest, which moves under the cache` : `${reference} is :latest${via}, which moves under the cache`
  return [finding('base-unpinned', `${message}; pin a version tag or a digest`, range, { probe: { kind: 'base-changes', line: stage.stage.from.line, instruction: stage.stage.from.original } })]
}
