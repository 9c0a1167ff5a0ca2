// The `layerlab parse --format json` view of a Dockerfile: the syntax tree flattened into plain
// JSON that other tools can read without knowing our types.

import { parseStages } from './instructions/stages'
import type { DependencyVia, StageDependency } from './instructions/graph'
import type { InstructionKind } from './instructions/types'
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

export interface DescribedStage {
  index: number
  name: string | null
  /** The base as written, expanded with the global ARGs, and what it is. */
  base: { raw: string; expanded: string; stage: number | null; scratch: boolean }
  platform: string | null
  range: SourceRange
  instructions: { kind: InstructionKind; line: number }[]
  /** What COPY --from and RUN --mount=from read, and on which line. */
  dependencies: { on: number | string; via: DependencyVia; reference: string; line: number }[]
}

export interface DockerfileDescription {
  escapeToken: string
  directives: Directive[]
  warnings: (ParseWarning | { rule: string; message: string; range: SourceRange })[]
  instructions: DescribedInstruction[]
  stages: DescribedStage[]
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

function describeDependency(d: StageDependency): DescribedStage['dependencies'][number] {
  return { on: d.kind === 'stage' ? d.stage : d.ref, via: d.via, reference: d.reference, line: d.instruction.line }
}

/** Parses, types and stages the Dockerfile; any error carries its source range. */
export function describeDockerfile(text: string): DockerfileDescription {
  const parsed = parseDockerfile(text)
  const staged = parseStages(parsed)
  return {
    escapeToken: parsed.escapeToken,
    directives: [...parsed.directives],
    warnings: [
      ...parsed.warnings,
      ...staged.warnings.map((w) => ({ rule: w.rule, message: w.message, range: w.range })),
    ],
    instructions: parsed.ast.children.map(describeInstruction),
    stages: staged.stages.map((stage) => ({
      index: stage.index,
      name: stage.name,
      base: { ...stage.base },
      platform: stage.platform?.expanded ?? null,
      range: stage.range,
      instructions: stage.instructions.map((i) => ({ kind: i.kind, line: i.line })),
      dependencies: stage.dependencies.map(describeDependency),
    })),
  }
}
