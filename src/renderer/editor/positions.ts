import type { Text } from '@codemirror/state'
import type { StepState, StepView } from '../build/build-stream'

/**
 * Conversions between the three ways the editor's helpers count positions: CodeMirror's
 * offsets, the language service's LSP positions (0-based line and character) and the engine's
 * source positions (1-based line and column).
 */

export interface LspPosition {
  line: number
  character: number
}

function clampLine(doc: Text, line: number): number {
  return Math.min(Math.max(line, 1), doc.lines)
}

export function offsetFromLsp(doc: Text, position: LspPosition): number {
  const line = doc.line(clampLine(doc, position.line + 1))
  return Math.min(line.from + Math.max(position.character, 0), line.to)
}

export function lspFromOffset(doc: Text, offset: number): LspPosition {
  const line = doc.lineAt(Math.min(Math.max(offset, 0), doc.length))
  return { line: line.number - 1, character: offset - line.from }
}

export function offsetFromEngine(doc: Text, position: { line: number; column: number }): number {
  const line = doc.line(clampLine(doc, position.line))
  return Math.min(line.from + Math.max(position.column - 1, 0), line.to)
}

/** A range that is at least one character wide where the line has any, so it can be seen. */
export function visibleRange(doc: Text, from: number, to: number): { from: number; to: number } {
  if (to > from) return { from, to }
  const line = doc.lineAt(from)
  if (line.to > line.from) return from < line.to ? { from, to: line.to } : { from: line.from, to: line.to }
  return { from, to }
}

/** A snippet's text with its tab stops and placeholders reduced to their default text. */
export function plainSnippet(text: string): string {
  return text.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\}|\$\d+/g, '')
}

/** What a gutter mark shows for a step state. */
export type StepMarkStatus = Exclude<StepState, 'pending'> | 'pending'

export interface StepMark {
  line: number
  status: StepMarkStatus
  /** The title text: the status, and for a miss the reason. */
  title: string
}

const labels: Record<StepState, string> = {
  pending: 'waiting',
  running: 'running',
  cached: 'cached',
  built: 'built',
  failed: 'failed',
  'not-run': 'not run',
}

/** One mark per instruction line: the last step on that line wins (a line holds one instruction). */
export function stepMarks(steps: readonly StepView[]): StepMark[] {
  const byLine = new Map<number, StepMark>()
  for (const step of steps) {
    if (!(step.line >= 1)) continue
    let title = `Line ${step.line}: ${labels[step.state]}`
    if (step.reason && step.state === 'built') title += ` — ${step.reason}`
    if (step.error && step.state === 'failed') title += ` — ${step.error.message}`
    byLine.set(step.line, { line: step.line, status: step.state, title })
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line)
}

/**
 * The first line of the instruction that `line` belongs to: a line continues the one before it
 * when that one ends with the escape character (`\`, or the `# escape=` directive's).
 */
export function instructionStartLine(doc: Text, line: number): number {
  const escape = escapeCharacter(doc)
  let start = clampLine(doc, line)
  for (;;) {
    // Comment and blank lines inside a continued instruction are skipped, as the parser does.
    let previous = start - 1
    while (previous >= 1 && isCommentOrBlank(doc.line(previous).text)) previous--
    if (previous < 1 || !doc.line(previous).text.trimEnd().endsWith(escape)) return start
    start = previous
  }
}

function isCommentOrBlank(text: string): boolean {
  const trimmed = text.trim()
  return trimmed === '' || trimmed.startsWith('#')
}

/** The `# escape=` parser directive, which may only stand before the first instruction. */
function escapeCharacter(doc: Text): string {
  for (let n = 1; n <= Math.min(doc.lines, 20); n++) {
    const text = doc.line(n).text.trim()
    const directive = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(text)
    if (directive?.[1]) return directive[1]
    if (text !== '' && !text.startsWith('#')) break
  }
  return '\\'
}
