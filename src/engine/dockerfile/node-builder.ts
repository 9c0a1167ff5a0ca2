// Turning one logical line into an instruction node (BuildKit newNodeFromLine).

import { goToLower } from './go-strings'
import { HEREDOC_INSTRUCTIONS } from './heredoc'
import { parseArguments } from './line-parsers'
import type { LogicalLine } from './source'
import { splitCommand } from './split-command'
import type { ArgumentNode, EscapeToken, FlagNode, Heredoc, InstructionNode, SourceRange } from './syntax'

export interface NodeContext {
  readonly logical: LogicalLine
  readonly escape: EscapeToken
  readonly startLine: number
  readonly endLine: number
  readonly range: SourceRange
  readonly prevComment: readonly string[]
}

/**
 * Builds the node for `text`, which sits at `base` in the logical line. ONBUILD recurses on
 * the rest of its line, as BuildKit's parseSubCommand does. Throws LineError.
 */
export function buildInstruction(text: string, base: number, ctx: NodeContext): InstructionNode {
  const toRange = (start: number, end: number) => ctx.logical.range(base + start, base + end)
  const split = splitCommand(text)
  const keyword = goToLower(split.keyword.value)
  const parsed = parseArguments(keyword, split.args, ctx.escape)
  const argsAt = split.argsStart

  let next: ArgumentNode | null = null
  let json = false
  if (parsed.kind === 'subcommand') {
    const instruction = buildInstruction(parsed.text, base + argsAt, {
      ...ctx,
      range: toRange(argsAt, argsAt + parsed.text.length),
      prevComment: [],
    })
    next = { kind: 'subcommand', instruction, range: instruction.range, next: null }
  } else {
    json = parsed.json
    // Link from the tail so every node can be created immutable.
    for (let i = parsed.values.length - 1; i >= 0; i--) {
      const span = parsed.values[i]
      if (!span) continue
      next = { kind: 'value', value: span.value, range: toRange(argsAt + span.start, argsAt + span.end), next }
    }
  }
  const flags: FlagNode[] = split.flags.map((f) => ({ value: f.value, range: toRange(f.start, f.end) }))
  return {
    kind: 'instruction',
    value: split.keyword.value,
    keyword,
    flags,
    next,
    heredocs: [],
    attributes: { json },
    original: text,
    prevComment: ctx.prevComment,
    startLine: ctx.startLine,
    endLine: ctx.endLine,
    range: ctx.range,
  }
}

/** canContainHeredoc: RUN/COPY/ADD not in JSON form, looking through ONBUILD. */
export function canContainHeredoc(node: InstructionNode): boolean {
  let target = node
  if (target.keyword === 'onbuild' && target.next?.kind === 'subcommand') target = target.next.instruction
  return HEREDOC_INSTRUCTIONS.has(target.keyword) && !target.attributes.json
}

/** The node with its heredocs and final line span filled in once the bodies are read. */
export function completeInstruction(
  node: InstructionNode,
  heredocs: readonly Heredoc[],
  endLine: number,
  range: SourceRange,
): InstructionNode {
  return { ...node, heredocs, endLine, range }
}
