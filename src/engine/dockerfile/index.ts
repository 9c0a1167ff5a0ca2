// Public API of the Dockerfile front end.

// Parser (BuildKit parser.Parse equivalent) and the corpus `result` dump.
export { parseDockerfile } from './parser'
export type { ParseOptions } from './parser'
export { dumpResult } from './dump'
export { DockerfileParseError } from './errors'
export { goQuote, isGoPrint, SHORT_ESCAPES } from './go-strings'
export { chompHeredocContent, parseHeredocWord } from './heredoc'
export type { HeredocMarker } from './heredoc'
export { KNOWN_INSTRUCTIONS } from './line-parsers'
export { instructionArgs } from './syntax'
export type {
  ArgumentNode,
  Directive,
  DirectiveName,
  DockerfileAst,
  EscapeToken,
  FlagNode,
  Heredoc,
  InstructionNode,
  ParseResult,
  ParseWarning,
  SourcePosition,
  SourceRange,
  SubcommandNode,
  ValueNode,
} from './syntax'

// Shell-word expansion (BuildKit shell.Lex).
export { ShellLex, ShellExpansionError, envFromList } from './shell-lex'
export type { ShellLexOptions, ShellEnv, EnvGetter, ShellProcessResult } from './shell-lex'

// The JSON view printed by `layerlab parse`.
export { describeDockerfile } from './describe'
export type { DescribedInstruction, DescribedStage, DockerfileDescription } from './describe'

// Typed instructions, stages, targets and variable scoping (BuildKit's instructions package and
// the stage/argument part of dockerfile2llb).
export { parseInstruction, parseInstructions, parseInstructionWithLints } from './instructions/parse'
export type { ParsedInstruction } from './instructions/parse'
export { parseStages } from './instructions/stages'
export type { Stage, StageBase, StagePlatform, StagesResult } from './instructions/stages'
export { resolveTarget } from './instructions/target'
export type { BuildPlan } from './instructions/target'
export type { DependencyVia, StageDependency } from './instructions/graph'
export { expandCommand } from './instructions/expand'
export { expandStages, DEFAULT_PATH } from './instructions/scope'
export type { ExpandedBuild, ExpandedStage, ExpandedStep, ExpandOptions } from './instructions/scope'
export { resolveBuildOptions, unusedBuildArgs, unusedBuildArgsWarning } from './instructions/args'
export type { BuildOptions, ResolvedBuildOptions } from './instructions/args'
export { EnvList } from './instructions/env-list'
export type { EnvEntry } from './instructions/env-list'
export { DEFAULT_PLATFORM, formatPlatform, normalizePlatform, parsePlatform } from './instructions/platform'
export type { Platform } from './instructions/platform'
export { parseMount } from './instructions/mounts'
export { parseChmod } from './instructions/chmod'
export type { ChmodMode } from './instructions/chmod'
export { InstructionError } from './instructions/errors'
export type { InstructionErrorPhase, LintRuleName, LintWarning } from './instructions/errors'
export type * from './instructions/types'
