// BuildKit's parser.Parse: physical lines → logical lines (continuations, comments, empty
// continuation lines), directives at the top, one node per instruction, heredoc bodies.

import { DirectiveParser, toEscapeToken, trimContinuation } from './directives'
import { DockerfileParseError, LineError } from './errors'
import { goTrimSpace, leadingSpaceLength, trimNewline } from './go-strings'
import { heredocsFromLine } from './heredoc'
import type { HeredocMarker } from './heredoc'
import { isKnownInstruction, KNOWN_INSTRUCTIONS } from './line-parsers'
import { buildInstruction, canContainHeredoc, completeInstruction } from './node-builder'
import { LogicalLine, SourceLines } from './source'
import { suggest } from './suggest'
import type {
  Directive,
  DockerfileAst,
  EscapeToken,
  Heredoc,
  InstructionNode,
  ParseResult,
  ParseWarning,
} from './syntax'

export interface ParseOptions {
  /**
   * Reject unknown instructions (`unknown instruction: FOO (did you mean FROM?)`), as a
   * build does. BuildKit's parser.Parse itself keeps them as nodes and leaves the check to
   * the instruction pass; pass false to get that raw tree. Default true.
   */
  readonly rejectUnknownInstructions?: boolean
}

const EMPTY_CONTINUATION_DETAIL = 'Empty continuation lines will become errors in a future release'
const EMPTY_CONTINUATION_URL = 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/'

function isComment(line: string): boolean {
  return line.charCodeAt(leadingSpaceLength(line)) === 0x23 // '#'
}

/** BuildKit takes a comment's text as `TrimSpace(line[1:])`, whatever the first byte is. */
function commentText(line: string): string {
  const first = line.codePointAt(0) ?? 0
  // Dropping one byte of a multi-byte first character leaves bytes Go cannot decode.
  const rest = first < 0x80 ? line.slice(1) : '\uFFFD' + line.slice(first > 0xffff ? 2 : 1)
  return goTrimSpace(rest).text
}

export function parseDockerfile(text: string, options: ParseOptions = {}): ParseResult {
  const source = new SourceLines(text)
  const directiveParser = new DirectiveParser()
  const directives: Directive[] = []
  const warnings: ParseWarning[] = []
  const children: InstructionNode[] = []
  let escape: EscapeToken = '\\'
  let comments: string[] = []
  let currentLine = 0

  for (let physical = source.next(); physical; physical = source.next()) {
    if (isComment(physical.text)) {
      const comment = commentText(physical.raw)
      if (comment === '') comments = []
      else comments.push(comment)
    }
    const trimmed = trimNewline(physical.text)
    const lead = leadingSpaceLength(trimmed)
    const first = trimmed.slice(lead)
    try {
      const directive = directiveParser.parseLine(first)
      if (directive) {
        if (directive.name === 'escape') escape = toEscapeToken(directive.value)
        directives.push({ ...directive, range: source.lineSpan(physical.number, physical.number) })
        comments.pop() // a directive is not a comment of the next instruction
      }
    } catch (e) {
      // BuildKit reports the line before the directive (an off-by-one); we report the line itself.
      if (e instanceof LineError) {
        throw new DockerfileParseError(e.message, source.lineSpan(physical.number, physical.number))
      }
      throw e
    }
    currentLine = physical.number
    const firstPart = trimContinuation(isComment(first) ? '' : first, escape)
    if (!firstPart.continued && firstPart.text === '') continue

    const startLine = currentLine
    const logical = new LogicalLine({ line: startLine, column: lead + 1 })
    logical.append(firstPart.text, startLine, lead + 1)
    const joined = firstPart.continued ? readContinuation(source, logical, escape) : { endLine: startLine, emptyLines: [] }
    currentLine = Math.max(currentLine, joined.endLine)
    const warning = emptyContinuationWarning(source, logical.text, joined.emptyLines)
    if (warning) warnings.push(warning)

    const logicalRange = source.lineSpan(startLine, currentLine)
    let node: InstructionNode
    let markers: HeredocMarker[] = []
    try {
      node = buildInstruction(logical.text, 0, {
        logical,
        escape,
        startLine,
        endLine: currentLine,
        range: logicalRange,
        prevComment: comments,
      })
      if (canContainHeredoc(node) && logical.text.includes('<<')) markers = heredocsFromLine(logical.text)
    } catch (e) {
      if (e instanceof LineError) throw new DockerfileParseError(e.message, logicalRange)
      throw e
    }
    if (markers.length > 0) {
      const bodies = readHeredocBodies(source, markers, startLine, currentLine)
      currentLine = bodies.endLine
      node = completeInstruction(node, bodies.heredocs, currentLine, source.lineSpan(startLine, currentLine))
    }
    children.push(node)
    comments = []
  }

  const firstChild = children[0]
  const lastChild = children[children.length - 1]
  if (!firstChild || !lastChild) {
    // BuildKit points at the last line it read; an empty file still gets line 1.
    const line = Math.max(1, currentLine)
    throw new DockerfileParseError('file with no instructions', { start: { line, column: 1 }, end: { line, column: 1 } })
  }
  if (source.tooLongLine !== null) {
    const line = source.tooLongLine
    throw new DockerfileParseError('dockerfile line greater than max allowed size of 65535', source.lineSpan(line, line))
  }
  if (options.rejectUnknownInstructions ?? true) rejectUnknownInstructions(children)

  const ast: DockerfileAst = {
    kind: 'root',
    children,
    startLine: firstChild.startLine,
    endLine: lastChild.endLine,
    range: { start: firstChild.range.start, end: lastChild.range.end },
  }
  return { ast, directives, escapeToken: escape, warnings }
}

/**
 * Appends continuation lines until one does not end in the escape token (or the file ends).
 * They are joined as they are, leading blanks included; comment lines are dropped, and
 * blank ones too, but those are remembered for the NoEmptyContinuation warning.
 */
function readContinuation(
  source: SourceLines,
  logical: LogicalLine,
  escape: EscapeToken,
): { endLine: number; emptyLines: number[] } {
  const emptyLines: number[] = []
  let endLine = 0
  for (let next = source.next(); next; next = source.next()) {
    endLine = next.number
    if (isComment(next.text)) continue
    const line = trimNewline(next.text)
    if (leadingSpaceLength(line) === line.length) {
      emptyLines.push(endLine)
      continue
    }
    const part = trimContinuation(line, escape)
    logical.append(part.text, endLine, 1)
    if (!part.continued) break
  }
  return { endLine, emptyLines }
}

function emptyContinuationWarning(source: SourceLines, line: string, emptyLines: readonly number[]): ParseWarning | null {
  const first = emptyLines[0]
  const last = emptyLines[emptyLines.length - 1]
  if (first === undefined || last === undefined) return null
  return {
    rule: 'NoEmptyContinuation',
    message: 'Empty continuation line found in: ' + line,
    detail: EMPTY_CONTINUATION_DETAIL,
    url: EMPTY_CONTINUATION_URL,
    range: { start: { line: first, column: 1 }, end: { line: last, column: source.text(last).length + 1 } },
  }
}

/**
 * Reads the bodies of the heredocs opened on an instruction line, one after the other in the
 * order they were opened. Body lines are taken verbatim (no continuations, no comments); a
 * body ends at a line equal to its name, compared without leading tabs for `<<-`.
 */
function readHeredocBodies(
  source: SourceLines,
  markers: readonly HeredocMarker[],
  startLine: number,
  lastLine: number,
): { heredocs: Heredoc[]; endLine: number } {
  const heredocs: Heredoc[] = []
  let endLine = lastLine
  for (const marker of markers) {
    const bodyStart = endLine + 1
    let content = ''
    let terminated = false
    for (let body = source.next(); body; body = source.next()) {
      endLine = body.number
      let candidate = trimNewline(body.raw)
      if (marker.chomp) candidate = candidate.replace(/^\t+/, '')
      if (candidate === marker.name) {
        terminated = true
        break
      }
      content += body.raw
    }
    if (!terminated) throw new DockerfileParseError('unterminated heredoc', source.lineSpan(startLine, endLine))
    heredocs.push({ ...marker, content, range: source.lineSpan(Math.min(bodyStart, endLine), endLine) })
  }
  return { heredocs, endLine }
}

/** The instruction pass's first check (instructions.ParseInstruction's default case). */
function rejectUnknownInstructions(children: readonly InstructionNode[]): void {
  for (const node of children) {
    if (isKnownInstruction(node.keyword)) continue
    let detail = `unknown instruction: ${node.value}`
    const match = suggest(node.value, KNOWN_INSTRUCTIONS)
    if (match !== null) detail += ` (did you mean ${match}?)`
    throw new DockerfileParseError(detail, node.range)
  }
}
