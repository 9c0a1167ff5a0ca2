// The Dockerfile as the lint rules read it: stages, and for every RUN the commands it runs
// (shell form, heredoc scripts or exec form), in order, with a way back to source ranges.

import type { Stage, StagesResult } from '../instructions/stages'
import type { Command, Instruction, RunInstruction } from '../instructions/types'
import type { InstructionNode, ParseResult, SourceRange } from '../syntax'
import { invocation, type Invocation } from './commands'
import { execWords, runScripts } from './run-scripts'
import type { ShellWord, SimpleCommand } from './shell-script'
import { insertAt, type TextEdit } from './types'

/** Where a RUN's words came from, and how to turn word offsets into ranges and insertions. */
export interface WordSource {
  readonly origin: 'command' | 'heredoc' | 'exec'
  range(from: ShellWord, to: ShellWord): SourceRange
  /** An edit that adds `flag` right after `word`, written the way this form needs it. */
  insertAfter(word: ShellWord, flag: string): TextEdit
  /** An edit that adds a shell command after everything else; null where that is not safe. */
  append(command: string): TextEdit | null
}

export interface RunCall {
  readonly invocation: Invocation
  readonly command: SimpleCommand
  readonly source: WordSource
}

export interface RunStep {
  readonly instruction: RunInstruction
  readonly node: InstructionNode
  /** Every command the RUN runs, in order (shell form line first, then heredoc scripts). */
  readonly calls: readonly RunCall[]
  /** Every simple command including those that are only assignments or builtins. */
  readonly commands: readonly { readonly command: SimpleCommand; readonly source: WordSource }[]
  /** Directories kept out of the layer by `--mount=type=cache|tmpfs`. */
  readonly mountedDirs: readonly string[]
  /** ENV names in effect in the stage before this RUN. */
  readonly env: ReadonlySet<string>
}

export interface LintStage {
  readonly stage: Stage
  readonly nodes: ReadonlyMap<Instruction, InstructionNode>
  readonly runs: ReadonlyMap<Command, RunStep>
}

export interface LintModel {
  readonly parsed: ParseResult
  readonly staged: StagesResult
  readonly lines: readonly string[]
  readonly stages: readonly LintStage[]
}

function mountedDirs(run: RunInstruction): string[] {
  const dirs: string[] = []
  for (const mount of run.mounts) {
    const fields = new Map(
      mount.spec.split(',').map((part) => {
        const eq = part.indexOf('=')
        return eq < 0 ? [part.trim().toLowerCase(), ''] : [part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim()]
      }),
    )
    const type = fields.get('type') ?? 'bind'
    const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination')
    if ((type === 'cache' || type === 'tmpfs') && target) dirs.push(target.replace(/\/+$/, '') || '/')
  }
  return dirs
}

function execSource(words: readonly { value: string; range: SourceRange }[]): WordSource {
  const at = (w: ShellWord) => words[w.start]?.range ?? words[0]?.range
  const fallback: SourceRange = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }
  return {
    origin: 'exec',
    range: (from, to) => ({ start: (at(from) ?? fallback).start, end: (at(to) ?? fallback).end }),
    insertAfter: (word, flag) => insertAt((at(word) ?? fallback).end, `, ${JSON.stringify(flag)}`),
    append: () => null,
  }
}

function stepOf(run: RunInstruction, node: InstructionNode, model: { lines: readonly string[]; parsed: ParseResult }, env: ReadonlySet<string>): RunStep {
  const commands: { command: SimpleCommand; source: WordSource }[] = []
  for (const script of runScripts(node, model.lines, model.parsed.escapeToken)) {
    const last = script.shell.commands[script.shell.commands.length - 1]
    const source: WordSource = {
      origin: script.origin,
      range: (from, to) => script.range(from.start, to.end),
      insertAfter: (word, flag) => insertAt(script.position(word.end), ` ${flag}`),
      append: (command) => {
        if (!last || script.shell.hasComment) return null
        if (script.origin === 'heredoc') return insertAt(script.range(last.start, last.end).end, `\n${command}`)
        if (last.followedBy !== 'end' && last.followedBy !== ';') return null
        return insertAt(script.range(last.start, last.end).end, ` && ${command}`)
      },
    }
    for (const command of script.shell.commands) commands.push({ command, source })
  }
  const exec = execWords(node)
  if (exec.length > 0) {
    const words = exec.map((w, i) => ({ value: w.value, start: i, end: i + 1 }))
    commands.push({ command: { words, precededBy: 'end', followedBy: 'end', start: 0, end: words.length }, source: execSource(exec) })
  }
  const calls: RunCall[] = []
  for (const { command, source } of commands) {
    const inv = invocation(command)
    if (inv) calls.push({ invocation: inv, command, source })
  }
  return { instruction: run, node, calls, commands, mountedDirs: mountedDirs(run), env }
}

export function buildModel(parsed: ParseResult, staged: StagesResult, text: string): LintModel {
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  const nodeByLine = new Map<number, InstructionNode>()
  for (const node of parsed.ast.children) nodeByLine.set(node.startLine, node)
  const stages: LintStage[] = staged.stages.map((stage) => {
    const nodes = new Map<Instruction, InstructionNode>()
    const fromNode = nodeByLine.get(stage.from.range.start.line)
    if (fromNode) nodes.set(stage.from, fromNode)
    const runs = new Map<Command, RunStep>()
    const env = new Set<string>()
    for (const command of stage.instructions) {
      const node = nodeByLine.get(command.range.start.line)
      if (!node) continue
      nodes.set(command, node)
      if (command.kind === 'env') for (const pair of command.pairs) env.add(pair.key)
      if (command.kind === 'run') runs.set(command, stepOf(command, node, { lines, parsed }, new Set(env)))
    }
    return { stage, nodes, runs }
  })
  return { parsed, staged, lines, stages }
}

/** Whether `dir` is inside a directory the RUN mounts (so its files never reach the layer). */
export function mountedOver(step: RunStep, dir: string): boolean {
  return step.mountedDirs.some((m) => m === '/' || dir === m || dir.startsWith(`${m}/`))
}
