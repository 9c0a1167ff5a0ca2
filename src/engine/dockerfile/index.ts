// Public API of the Dockerfile front end.

// Parser (BuildKit parser.Parse equivalent) and the corpus `result` dump.
export { parseDockerfile } from './parser'
export type { ParseOptions } from './parser'
export { dumpResult } from './dump'
export { DockerfileParseError } from './errors'
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
export type { DescribedInstruction, DockerfileDescription } from './describe'
