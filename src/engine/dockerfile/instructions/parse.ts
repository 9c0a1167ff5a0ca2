// Syntax tree → typed instructions (BuildKit instructions.ParseInstructionWithLinter).

import { KNOWN_INSTRUCTIONS } from '../line-parsers'
import { suggest } from '../suggest'
import type { InstructionNode, ParseResult } from '../syntax'
import { parseAdd, parseCopy } from './copy-add'
import { DetailError, InstructionError, lintWarning } from './errors'
import type { LintWarning } from './errors'
import { fromLints, parseFrom } from './from'
import { parseHealthcheck } from './healthcheck'
import {
  parseArg,
  parseEnv,
  parseExpose,
  parseLabel,
  parseMaintainer,
  parseOnbuild,
  parseStopsignal,
  parseUser,
  parseVolume,
  parseWorkdir,
} from './metadata'
import { requestFor } from './request'
import type { ParseRequest } from './request'
import { parseCmd, parseEntrypoint, parseRun, parseShell } from './run'
import type { Instruction, InstructionKind } from './types'

const PARSERS: Readonly<Record<InstructionKind, (req: ParseRequest) => Instruction>> = {
  add: parseAdd,
  arg: parseArg,
  cmd: parseCmd,
  copy: parseCopy,
  entrypoint: parseEntrypoint,
  env: parseEnv,
  expose: parseExpose,
  from: parseFrom,
  healthcheck: parseHealthcheck,
  label: parseLabel,
  maintainer: parseMaintainer,
  onbuild: parseOnbuild,
  run: parseRun,
  shell: parseShell,
  stopsignal: parseStopsignal,
  user: parseUser,
  volume: parseVolume,
  workdir: parseWorkdir,
}

function isKind(keyword: string): keyword is InstructionKind {
  return Object.hasOwn(PARSERS, keyword)
}

export interface ParsedInstruction {
  readonly instruction: Instruction
  readonly warnings: readonly LintWarning[]
}

/** One node, with the lint warnings BuildKit raises while parsing it. Throws InstructionError. */
export function parseInstructionWithLints(node: InstructionNode): ParsedInstruction {
  const keyword = node.keyword
  if (!isKind(keyword)) {
    let detail = `unknown instruction: ${node.value}`
    const match = suggest(node.value, KNOWN_INSTRUCTIONS)
    if (match !== null) detail += ` (did you mean ${match}?)`
    throw new InstructionError(detail, node.range)
  }
  const req = requestFor(node)
  const warnings: LintWarning[] = []
  if (keyword === 'from') warnings.push(...fromLints(req))
  if (keyword === 'maintainer') {
    const message = 'Maintainer instruction is deprecated in favor of using label'
    warnings.push(lintWarning('MaintainerDeprecated', message, node.range))
  }
  try {
    return { instruction: PARSERS[keyword](req), warnings }
  } catch (err) {
    if (err instanceof DetailError) {
      throw new InstructionError(err.message, err.range ?? node.range, { line: node.startLine })
    }
    throw err
  }
}

/**
 * One node → its typed instruction (BuildKit instructions.ParseInstruction). Errors carry
 * BuildKit's message (`dockerfile parse error on line 4: unknown flag: --chwon (did you mean
 * chown?)`) and point at the offending flag when there is one, else at the instruction.
 */
export function parseInstruction(node: InstructionNode): Instruction {
  return parseInstructionWithLints(node).instruction
}

/** Every instruction of a parsed Dockerfile, in order; stops at the first error, as BuildKit does. */
export function parseInstructions(parsed: ParseResult): { instructions: Instruction[]; warnings: LintWarning[] } {
  const instructions: Instruction[] = []
  const warnings: LintWarning[] = []
  for (const node of parsed.ast.children) {
    const result = parseInstructionWithLints(node)
    instructions.push(result.instruction)
    warnings.push(...result.warnings)
  }
  return { instructions, warnings }
}
