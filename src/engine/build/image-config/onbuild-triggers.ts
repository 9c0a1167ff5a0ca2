// ONBUILD triggers of a base image (dockerfile2llb initOnBuildTriggers). They run first in the
// stage built FROM the image, each re-parsed as a one-line Dockerfile, and the stage's config
// then starts with no OnBuild of its own (initialConfig drops it): triggers fire one generation
// down only. Triggers of an in-file stage are handled by resolveTarget/expandStages instead.

import { DockerfileParseError, InstructionError, parseDockerfile, parseInstruction } from '../../dockerfile'
import type { Command, FromInstruction } from '../../dockerfile'
import type { ImageConfig } from '../../store'

/** The trigger texts of a base image config (`config.OnBuild`), in order. */
export function onbuildTriggers(base: ImageConfig): string[] {
  const config = base.config
  if (typeof config !== 'object' || config === null) return []
  const onBuild = (config as { OnBuild?: unknown }).OnBuild
  if (!Array.isArray(onBuild)) return []
  return onBuild.filter((t): t is string => typeof t === 'string')
}

/**
 * Parses the triggers as BuildKit does when they fire: each must be exactly one instruction;
 * errors are reported at the FROM line, and the commands are placed there too (BuildKit moves
 * a trigger's location to the stage it fires in). Throws InstructionError.
 */
export function parseOnbuildTriggers(triggers: readonly string[], from: FromInstruction): Command[] {
  const fail = (detail: string) => new InstructionError(detail, from.range, { phase: 'build' })
  return triggers.map((text) => {
    let command
    try {
      const nodes = parseDockerfile(text).ast.children
      const [node] = nodes
      if (nodes.length !== 1 || node === undefined) throw fail('onbuild trigger should be a single expression')
      command = parseInstruction(node)
    } catch (err) {
      if (err instanceof InstructionError) throw err.location === from.range ? err : fail(err.detail)
      if (err instanceof DockerfileParseError) throw fail(err.detail)
      throw err
    }
    if (command.kind === 'from') throw fail('onbuild trigger should be a single expression')
    const at = { range: from.range, line: from.line }
    if (command.kind === 'run') return { ...command, ...at, mounts: command.mounts.map((m) => ({ ...m, range: from.range })) }
    return { ...command, ...at }
  })
}
