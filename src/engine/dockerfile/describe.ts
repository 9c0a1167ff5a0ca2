// The `layerlab parse --format json` view of a Dockerfile: the syntax tree flattened into plain
// JSON that other tools can read without knowing our types.

import { parseDockerfile } from './parser'
import type { Directive, Heredoc, InstructionNode, ParseWarning, SourceRange } from './syntax'

export interface DescribedInstruction {
  keyword: string
  original: string
  range: SourceRange
  flags: { value: string; range: SourceRange }[]
  args: { value: string; range: SourceRange }[]
  json: boolean
  heredocs: Heredoc[]
  /** ONBUILD's trigger instruction. */
  trigger?: DescribedInstruction
}

export interface DockerfileDescription {
  escapeToken: string
  directives: Directive[]
  warnings: ParseWarning[]
  instructions: DescribedInstruction[]
}

function describeInstruction(node: InstructionNode): DescribedInstruction {
  const described: DescribedInstruction = {
    keyword: node.keyword,
    original: node.original,
    range: node.range,
    flags: node.flags.map((f) => ({ value: f.value, range: f.range })),
    args: [],
    json: node.attributes.json,
    heredocs: [...node.heredocs],
  }
  for (let arg = node.next; arg; arg = arg.next) {
    if (arg.kind === 'value') described.args.push({ value: arg.value, range: arg.range })
    else described.trigger = describeInstruction(arg.instruction)
  }
  return described
}

export function describeDockerfile(text: string): DockerfileDescription {
  const parsed = parseDockerfile(text)
  return {
    escapeToken: parsed.escapeToken,
    directives: [...parsed.directives],
    warnings: [...parsed.warnings],
    instructions: parsed.ast.children.map(describeInstruction),
  }
}
