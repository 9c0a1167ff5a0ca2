// The Dockerfile syntax tree. It mirrors BuildKit's parser.Node (Value, Next, Children,
// Heredocs, Attributes, Original, Flags, StartLine, EndLine, PrevComment) but splits the one
// Go struct into the shapes it actually takes, and gives every node a source range.

/** A point in the source. */
export interface SourcePosition {
  /** 1-based physical line, counted the way BuildKit counts StartLine/EndLine. */
  readonly line: number
  /**
   * 1-based column in UTF-16 code units of that physical line (a UTF-8 BOM on line 1 is not
   * counted). BuildKit itself has no columns; these are ours.
   */
  readonly column: number
}

/** A span of source; `end` is exclusive (the column just after the last character). */
export interface SourceRange {
  readonly start: SourcePosition
  readonly end: SourcePosition
}

export type EscapeToken = '\\' | '`'

/** A here-document attached to a RUN/COPY/ADD (or ONBUILD wrapping one). */
export interface Heredoc {
  /** Delimiter word with quotes removed; files created by COPY/ADD are named after it. */
  readonly name: string
  /** `3<<EOF` → 3; 0 when no descriptor was written. */
  readonly fileDescriptor: number
  /** False when any part of the delimiter was quoted (`<<'EOF'`, `<<"EOF"`, `<<E'O'F`). */
  readonly expand: boolean
  /** `<<-`: leading tabs are stripped, but only later (see chompHeredocContent); `content` keeps them. */
  readonly chomp: boolean
  /** Body lines verbatim, each with its own line ending; the terminator line excluded. */
  readonly content: string
  /** From the first body line through the terminator line. */
  readonly range: SourceRange
}

/** One argument value in an instruction's `next` chain. */
export interface ValueNode {
  readonly kind: 'value'
  readonly value: string
  readonly range: SourceRange
  readonly next: ArgumentNode | null
}

/** ONBUILD's argument: BuildKit's Node{Children: [instruction]} wrapper. */
export interface SubcommandNode {
  readonly kind: 'subcommand'
  readonly instruction: InstructionNode
  readonly range: SourceRange
  readonly next: null
}

export type ArgumentNode = ValueNode | SubcommandNode

/** A `--flag[=value]` word, with quotes removed and escapes resolved as BuildKit does. */
export interface FlagNode {
  readonly value: string
  readonly range: SourceRange
}

export interface InstructionNode {
  readonly kind: 'instruction'
  /** The keyword as written (BuildKit keeps its case in Node.Value, e.g. for lint rules). */
  readonly value: string
  /** The keyword lower-cased: what BuildKit dispatches on and what the dump prints. */
  readonly keyword: string
  readonly flags: readonly FlagNode[]
  readonly next: ArgumentNode | null
  readonly heredocs: readonly Heredoc[]
  /** `json`: the arguments were written as a JSON array (exec form). */
  readonly attributes: { readonly json: boolean }
  /** The logical line (continuations joined) the instruction was parsed from. */
  readonly original: string
  /** Comment lines directly above the instruction (BuildKit's PrevComment). */
  readonly prevComment: readonly string[]
  readonly startLine: number
  readonly endLine: number
  readonly range: SourceRange
}

export interface DockerfileAst {
  readonly kind: 'root'
  readonly children: readonly InstructionNode[]
  readonly startLine: number
  readonly endLine: number
  readonly range: SourceRange
}

export type DirectiveName = 'syntax' | 'escape' | 'check'

/** A parser directive (`# syntax=…`, `# escape=…`, `# check=…`) from the top of the file. */
export interface Directive {
  /** Lower-cased name. */
  readonly name: DirectiveName
  readonly value: string
  readonly range: SourceRange
}

/** A problem that does not stop the parse (BuildKit's parser.Warning). */
export interface ParseWarning {
  /** The lint rule BuildKit reports it under. */
  readonly rule: 'NoEmptyContinuation'
  /** BuildKit's short text, e.g. `Empty continuation line found in: RUN a  b`. */
  readonly message: string
  readonly detail: string
  readonly url: string
  /**
   * The empty continuation line(s). BuildKit itself only reports the instruction's last
   * line; pointing at the empty lines is more useful in an editor.
   */
  readonly range: SourceRange
}

export interface ParseResult {
  readonly ast: DockerfileAst
  readonly directives: readonly Directive[]
  readonly escapeToken: EscapeToken
  readonly warnings: readonly ParseWarning[]
}

/**
 * The instruction's arguments as BuildKit's instructions package sees them (nodeArgs):
 * the values of the `next` chain, with an ONBUILD sub-instruction flattened to its
 * keyword followed by its own arguments.
 */
export function instructionArgs(node: InstructionNode): string[] {
  const out: string[] = []
  for (let arg = node.next; arg; arg = arg.next) {
    if (arg.kind === 'value') out.push(arg.value)
    else out.push(arg.instruction.value, ...instructionArgs(arg.instruction))
  }
  return out
}
