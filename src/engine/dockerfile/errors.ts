import type { SourceRange } from './syntax'

/**
 * A Dockerfile that cannot be parsed. `message` reads like BuildKit's instruction errors
 * (`dockerfile parse error on line 6: unknown instruction: NOINSTRUCTION`); `detail` is
 * BuildKit's own text without the line prefix; `location` spans the offending lines.
 */
export class DockerfileParseError extends Error {
  override readonly name = 'DockerfileParseError'
  readonly detail: string
  readonly location: SourceRange

  constructor(detail: string, location: SourceRange) {
    super(`dockerfile parse error on line ${location.start.line}: ${detail}`)
    this.detail = detail
    this.location = location
  }
}

/**
 * Raised by the per-line stages, which do not know where the line is in the file; the
 * parser turns it into a DockerfileParseError with the instruction's location.
 */
export class LineError extends Error {
  override readonly name = 'LineError'
}
