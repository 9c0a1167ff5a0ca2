import type { SourcePosition } from '../syntax'
import type { TextEdit } from './types'

/** Offset of a 1-based line and column in `text` (lines end at `\n`). */
export function offsetOf(text: string, position: SourcePosition): number {
  let offset = 0
  for (let line = 1; line < position.line; line++) {
    const nl = text.indexOf('\n', offset)
    if (nl < 0) return text.length
    offset = nl + 1
  }
  const nl = text.indexOf('\n', offset)
  const lineEnd = nl < 0 ? text.length : nl
  return Math.min(offset + position.column - 1, lineEnd)
}

/** The text with the edits applied (their ranges are in the original text and do not overlap). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const located = edits
    .map((e) => ({ from: offsetOf(text, e.range.start), to: offsetOf(text, e.range.end), text: e.text }))
    .sort((a, b) => b.from - a.from)
  let out = text
  for (const e of located) out = out.slice(0, e.from) + e.text + out.slice(e.to)
  return out
}
