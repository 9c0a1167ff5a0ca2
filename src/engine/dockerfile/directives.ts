// Parser directives and the escape token (BuildKit parser/directives.go and the directive
// half of parser/parser.go).

import { LineError } from './errors'
import type { DirectiveName, EscapeToken } from './syntax'

const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set<DirectiveName>(['syntax', 'escape', 'check'])

// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with Go's `\s` ([\t\n\f\r ], no \v) and
// Go's `.` (which matches \r, hence the `s` flag).
const DIRECTIVE_LINE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/s

export interface ParsedDirective {
  readonly name: DirectiveName
  readonly value: string
}

/**
 * Recognises directives in the leading lines. Scanning stops for good at the first line
 * that is not `# name=value` with a known name, so a directive after a blank line, an
 * ordinary comment or an instruction is just a comment.
 */
export class DirectiveParser {
  private done = false
  private readonly seen = new Set<string>()

  /** `line` has its line ending and (for an instruction's first line) leading blanks removed. */
  parseLine(line: string): ParsedDirective | null {
    if (this.done) return null
    const match = DIRECTIVE_LINE.exec(line)
    const rawName = match?.[1]
    const value = match?.[2]
    if (rawName === undefined || value === undefined) {
      this.done = true
      return null
    }
    const name = rawName.toLowerCase()
    if (!KNOWN_DIRECTIVES.has(name)) {
      this.done = true
      return null
    }
    if (this.seen.has(name)) throw new LineError(`only one ${name} parser directive can be used`)
    this.seen.add(name)
    return { name: name as DirectiveName, value }
  }

  get finished(): boolean {
    return this.done
  }
}

export function toEscapeToken(value: string): EscapeToken {
  if (value !== '`' && value !== '\\') {
    throw new LineError(`invalid escape token '${value}' does not match \` or \\`)
  }
  return value
}

/**
 * BuildKit's line-continuation regex `([^E])E[ \t]*$|^E[ \t]*$`: the line ends with the
 * escape token followed only by spaces/tabs, and that token is not itself escaped. Like the
 * regex, it only looks one character back, so `foo \\\` is not a continuation.
 */
export function trimContinuation(
  line: string,
  escape: EscapeToken,
): { readonly text: string; readonly continued: boolean } {
  let end = line.length
  while (end > 0) {
    const c = line.charCodeAt(end - 1)
    if (c !== 0x20 && c !== 0x09) break
    end--
  }
  const tokenAt = end - 1
  if (tokenAt < 0 || line[tokenAt] !== escape) return { text: line, continued: false }
  if (tokenAt === 0) return { text: '', continued: true }
  if (line[tokenAt - 1] === escape) return { text: line, continued: false }
  return { text: line.slice(0, tokenAt), continued: true }
}
