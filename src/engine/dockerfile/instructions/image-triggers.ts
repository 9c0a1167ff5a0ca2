// ONBUILD triggers of a base image (dockerfile2llb initOnBuildTriggers): the `OnBuild` texts of
// the config of the image a stage is built FROM. Each is parsed as a Dockerfile of its own, must
// be exactly one instruction, and is placed at the stage's FROM (BuildKit resets the node's
// lines to the stage location); the commands then run first in the stage, expanded like the
// stage's own instructions. (Triggers of an in-file base stage: resolveTarget, target.ts.)
//
// Errors are located at the FROM, as BuildKit's are. Their message also names the trigger,
// which BuildKit does not: the text is in an image config, nowhere in the Dockerfile shown.
// BuildKit's own text follows, Go-wrap style: `onbuild trigger "BOGUS x": unknown instruction: BOGUS`.

import { DockerfileParseError } from '../errors'
import { goQuote } from '../go-strings'
import { parseDockerfile } from '../parser'
import { InstructionError } from './errors'
import { parseInstruction } from './parse'
import type { Stage } from './stages'
import type { Command } from './types'

/** `onbuild trigger "<text>": <detail>`. */
export function triggerDetail(trigger: string, detail: string): string {
  return `onbuild trigger ${goQuote(trigger)}: ${detail}`
}

/** The same error, its message naming the trigger; location, phase and line are kept. */
export function inTrigger(err: InstructionError, trigger: string): InstructionError {
  return new InstructionError(triggerDetail(trigger, err.detail), err.location, {
    phase: err.phase,
    line: err.line,
    locations: err.locations,
  })
}

/** One trigger text → one command placed at the FROM of `stage`. Throws InstructionError. */
export function parseImageTrigger(trigger: string, stage: Stage): Command {
  return parseTriggerAt(trigger, stage, {
    describe: (detail) => triggerDetail(trigger, detail),
    fromDetail: '*instructions.Stage is not a command type',
  })
}

/**
 * A trigger fires as its own one-line Dockerfile, re-parsed from its text, and BuildKit moves it
 * to the FROM of the stage it fires in: errors are located there, and so is the command. Used
 * for image triggers (above) and in-file ones (target.ts).
 */
export function parseTriggerAt(
  text: string,
  stage: Stage,
  options: { describe?: (detail: string) => string; fromDetail: string },
): Command {
  const from = stage.from
  const describe = options.describe ?? ((detail: string) => detail)
  const fail = (detail: string) => new InstructionError(describe(detail), from.range, { phase: 'build' })
  let nodes
  try {
    nodes = parseDockerfile(text).ast.children
  } catch (err) {
    if (err instanceof DockerfileParseError) throw fail(err.detail)
    throw err
  }
  const [node] = nodes
  if (nodes.length !== 1 || node === undefined) throw fail('onbuild trigger should be a single expression')
  let command
  try {
    command = parseInstruction(node)
  } catch (err) {
    // InstructionError included: its location is inside the one-line trigger text, not the file.
    if (err instanceof DockerfileParseError) throw fail(err.detail)
    throw err
  }
  // instructions.ParseCommand: a FROM parses, but to a stage, not a command.
  if (command.kind === 'from') throw fail(options.fromDetail)
  const at = { range: from.range, line: from.line }
  if (command.kind === 'run') return { ...command, ...at, mounts: command.mounts.map((m) => ({ ...m, range: at.range })) }
  return { ...command, ...at }
}

/** Every trigger of the stage's base image, in order. */
export function parseImageTriggers(triggers: readonly string[], stage: Stage): Command[] {
  return triggers.map((t) => parseImageTrigger(t, stage))
}
