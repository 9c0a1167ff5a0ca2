// What every per-instruction parser gets (BuildKit's parseRequest), and the error texts the
// parsers share (instructions/parse.go errXxx helpers).

import { goTrimSpace } from '../go-strings'
import { instructionArgs } from '../syntax'
import type { InstructionNode } from '../syntax'
import { DetailError } from './errors'
import { parseFlags } from './flags'
import type { FlagSpec, ParsedFlags } from './flags'
import type { InstructionKind } from './types'

export interface ParseRequest {
  readonly node: InstructionNode
  /** BuildKit nodeArgs: argument values, an ONBUILD trigger flattened to keyword + args. */
  readonly args: readonly string[]
  /** The arguments were a JSON array (exec form). */
  readonly json: boolean
  /** Declare the instruction's flags and check the written ones (BFlags.Parse). */
  flags(spec: FlagSpec): ParsedFlags
}

export function requestFor(node: InstructionNode): ParseRequest {
  return {
    node,
    args: instructionArgs(node),
    json: node.attributes.json,
    flags: (spec) => parseFlags(node.flags, spec),
  }
}

/** The fields every instruction carries. */
export function baseOf<K extends InstructionKind>(kind: K, node: InstructionNode) {
  return {
    kind,
    keyword: node.value,
    original: goTrimSpace(node.original).text,
    line: node.startLine,
    range: node.range,
  } as const
}

/** handleJSONArgs: exec form keeps the array, shell form is the words joined by one space. */
export function commandArgs(req: ParseRequest): readonly string[] {
  if (req.args.length === 0) return []
  return req.json ? req.args : [req.args.join(' ')]
}

export const errAtLeastOneArgument = (command: string) =>
  new DetailError(`${command} requires at least one argument`)

export const errExactlyOneArgument = (command: string) =>
  new DetailError(`${command} requires exactly one argument`)

export const errNoDestinationArgument = (command: string) =>
  new DetailError(
    `${command} requires at least two arguments, but only one was provided. Destination could not be determined`,
  )

export const errBlankCommandNames = (command: string) => new DetailError(`${command} names can not be blank`)

export const errTooManyArguments = (command: string) => new DetailError(`Bad input to ${command}, too many arguments`)

export const errBadHeredoc = (command: string, option: string) =>
  new DetailError(`${command} cannot accept a heredoc as ${option}`)

export const errNotJSON = (command: string) => new DetailError(`${command} requires the arguments to be in JSON form`)
