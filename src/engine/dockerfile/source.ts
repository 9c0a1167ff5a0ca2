// Physical lines and the map from a logical line's offsets back to them.

import { isGoSpace, leadingSpaceLength, utf8Length } from './go-strings'
import type { SourcePosition, SourceRange } from './syntax'

/** bufio.MaxScanTokenSize: BuildKit's scanner cannot hold a line of this many bytes. */
const MAX_LINE_BYTES = 64 * 1024

export interface PhysicalLine {
  /** 1-based line number. */
  readonly number: number
  /** The line without its `\n` (a first-line BOM removed). */
  readonly text: string
  /** The line as the scanner hands it over: with its `\n` when it had one. */
  readonly raw: string
}

/**
 * The file as BuildKit's bufio.Scanner sees it: lines end at `\n` only, a last line without
 * one still counts, and a line of 64 KiB or more stops the scan (reported once the parse is
 * over, like scanner.Err()).
 */
export class SourceLines {
  private readonly lines: string[]
  private readonly newline: boolean[]
  private cursor = 0
  /** 1-based number of the first line too long to scan, or null. */
  readonly tooLongLine: number | null
  private readonly limit: number

  constructor(text: string) {
    this.lines = []
    this.newline = []
    let start = 0
    while (start < text.length) {
      const nl = text.indexOf('\n', start)
      const end = nl < 0 ? text.length : nl
      this.lines.push(text.slice(start, end))
      this.newline.push(nl >= 0)
      start = end + 1
    }
    // BuildKit drops a UTF-8 byte-order mark from the first line only.
    const first = this.lines[0]
    const bomBytes = first?.startsWith('\uFEFF') ? 3 : 0
    if (first !== undefined && bomBytes > 0) this.lines[0] = first.slice(1)
    let limit = this.lines.length
    let tooLong: number | null = null
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i] ?? ''
      const extra = i === 0 ? bomBytes : 0
      // Only measure in bytes when the UTF-16 length makes a long line possible.
      if (line.length * 3 + extra >= MAX_LINE_BYTES && utf8Length(line) + extra >= MAX_LINE_BYTES) {
        limit = i
        tooLong = i + 1
        break
      }
    }
    this.limit = limit
    this.tooLongLine = tooLong
  }

  /** The next line, or null at the end of the file (or at a line too long to scan). */
  next(): PhysicalLine | null {
    if (this.cursor >= this.limit) return null
    const i = this.cursor++
    const text = this.lines[i] ?? ''
    return { number: i + 1, text, raw: this.newline[i] ? text + '\n' : text }
  }

  /** Text of a line by 1-based number ('' past the end). */
  text(line: number): string {
    return this.lines[line - 1] ?? ''
  }

  /** Range covering whole lines `from`..`to`, from the first to past the last non-blank character. */
  lineSpan(from: number, to: number): SourceRange {
    return { start: { line: from, column: this.firstColumn(from) }, end: { line: to, column: this.endColumn(to) } }
  }

  firstColumn(line: number): number {
    const text = this.text(line)
    const lead = leadingSpaceLength(text)
    return lead === text.length ? 1 : lead + 1
  }

  endColumn(line: number): number {
    const text = this.text(line)
    let end = text.length
    while (end > 0 && isGoSpace(text.charCodeAt(end - 1))) end--
    return end + 1
  }
}

interface Segment {
  /** Offset of the segment in the logical line. */
  readonly offset: number
  readonly length: number
  readonly line: number
  /** Column of the segment's first character on its physical line. */
  readonly column: number
}

/**
 * A logical line (an instruction with its continuations joined) and where each of its
 * characters came from, so offsets found while parsing become source positions.
 */
export class LogicalLine {
  text = ''
  private readonly segments: Segment[] = []
  /** Where an empty logical line (e.g. a lone `\`) is said to be. */
  private readonly fallback: SourcePosition

  constructor(fallback: SourcePosition) {
    this.fallback = fallback
  }

  append(text: string, line: number, column: number): void {
    if (text.length > 0) this.segments.push({ offset: this.text.length, length: text.length, line, column })
    this.text += text
  }

  /** Position of the character at `offset` (or just past the text). */
  private startPosition(offset: number): SourcePosition {
    const seg = this.segmentAt(offset, false)
    if (!seg) return this.fallback
    const delta = Math.min(offset - seg.offset, seg.length)
    return { line: seg.line, column: seg.column + delta }
  }

  /** Position just after the character before `offset`, so a range never ends on the next line. */
  private endPosition(offset: number): SourcePosition {
    const seg = this.segmentAt(offset, true)
    if (!seg) return this.fallback
    return { line: seg.line, column: seg.column + Math.min(offset - seg.offset, seg.length) }
  }

  private segmentAt(offset: number, exclusive: boolean): Segment | undefined {
    let lo = 0
    let hi = this.segments.length - 1
    let found: Segment | undefined = this.segments[0]
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const seg = this.segments[mid]
      if (!seg) break
      if (exclusive ? seg.offset < offset : seg.offset <= offset) {
        found = seg
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  range(start: number, end: number): SourceRange {
    const from = this.startPosition(start)
    return { start: from, end: end <= start ? from : this.endPosition(end) }
  }
}
