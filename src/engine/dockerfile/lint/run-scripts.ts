// The shell scripts a RUN hands to its shell, with a map from script offsets back to the
// Dockerfile, so a rule can name a single word even across continuation lines.

import { trimContinuation } from '../directives'
import { leadingSpaceLength, trimNewline } from '../go-strings'
import type { EscapeToken, InstructionNode, SourcePosition, SourceRange } from '../syntax'
import { tokenizeShell, type ShellScript, type ShellWord } from './shell-script'

export interface RunScript {
  /** `command`: the shell-form line (continuations joined); `heredoc`: a body run as the script. */
  readonly origin: 'command' | 'heredoc'
  readonly text: string
  readonly shell: ShellScript
  /** The Dockerfile range of script offsets [start, end). */
  range(start: number, end: number): SourceRange
  /** Where a text inserted at this script offset goes in the Dockerfile. */
  position(offset: number): SourcePosition
}

interface Segment {
  readonly offset: number
  readonly length: number
  readonly line: number
  readonly column: number
}

/** Offsets of a text made of pieces of physical lines → positions. */
class SegmentMap {
  constructor(
    private readonly segments: readonly Segment[],
    private readonly fallback: SourceRange,
  ) {}

  position(offset: number, exclusive: boolean): SourcePosition {
    let found: Segment | undefined
    for (const seg of this.segments) {
      if (exclusive ? seg.offset < offset : seg.offset <= offset) found = seg
      else break
    }
    if (!found) return this.fallback.start
    return { line: found.line, column: found.column + Math.min(offset - found.offset, found.length) }
  }

  range(start: number, end: number): SourceRange {
    const from = this.position(start, false)
    return { start: from, end: end <= start ? from : this.position(end, true) }
  }
}

function isCommentLine(line: string): boolean {
  return line.charCodeAt(leadingSpaceLength(line)) === 0x23
}

/**
 * Rebuilds how the parser joined the command's physical lines (continuations trimmed, comment
 * and blank lines dropped) starting at the value's first character. When the result does not
 * reproduce the value (it always should), every offset maps to the whole value.
 */
function commandMap(value: string, range: SourceRange, lines: readonly string[], escape: EscapeToken): SegmentMap {
  const segments: Segment[] = []
  let joined = ''
  let line = range.start.line
  let column = range.start.column
  let first = true
  while (joined.length < value.length && line <= lines.length) {
    const text = trimNewline(lines[line - 1] ?? '')
    if (!first && (isCommentLine(text) || leadingSpaceLength(text) === text.length)) {
      line++
      continue
    }
    const part = trimContinuation(text, escape)
    const piece = part.text.slice(column - 1)
    segments.push({ offset: joined.length, length: piece.length, line, column })
    joined += piece
    first = false
    line++
    column = 1
    if (!part.continued) break
  }
  if (!joined.startsWith(value)) return new SegmentMap([], range)
  return new SegmentMap(segments, range)
}

/** A heredoc body: verbatim lines from the first body line, column 1. */
function bodyMap(content: string, firstLine: number): SegmentMap {
  const segments: Segment[] = []
  let offset = 0
  let line = firstLine
  for (const piece of content.split('\n')) {
    segments.push({ offset, length: piece.length + 1, line, column: 1 })
    offset += piece.length + 1
    line++
  }
  return new SegmentMap(segments, { start: { line: firstLine, column: 1 }, end: { line: firstLine, column: 1 } })
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', '/bin/sh', '/bin/bash', '/bin/ash', '/bin/dash', '/usr/bin/env'])

/**
 * Whether a heredoc is the script: `RUN <<EOF` alone (BuildKit runs the body with the shell),
 * or `RUN bash <<EOF` / `RUN sh -e <<EOF` feeding a shell's standard input. A shebang naming
 * something other than a shell (`#!/usr/bin/env python3`) means it is not shell.
 */
function heredocIsShell(command: readonly ShellWord[], content: string): boolean {
  const first = content.split('\n', 1)[0] ?? ''
  if (first.startsWith('#!') && !/\b(sh|bash|ash|dash)\b/.test(first)) return false
  if (command.length === 0) return true
  const [name, ...rest] = command
  return name !== undefined && SHELLS.has(name.value) && rest.every((w) => /^-[a-z]+$/.test(w.value) || w.value === 'sh' || w.value === 'bash')
}

/** Shell-form RUN scripts; exec form has none (see `execWords`). */
export function runScripts(node: InstructionNode, lines: readonly string[], escape: EscapeToken): RunScript[] {
  const value = node.next
  if (node.attributes.json || value?.kind !== 'value') return []
  const map = commandMap(value.value, value.range, lines, escape)
  const command = tokenizeShell(value.value)
  const out: RunScript[] = [
    {
      origin: 'command',
      text: value.value,
      shell: command,
      range: (s, e) => map.range(s, e),
      position: (o) => map.position(o, false),
    },
  ]
  // The tokenizer drops redirections, so `RUN bash <<EOF` is the command [bash] before `<<`.
  const markerAt = value.value.indexOf('<<')
  const owner = command.commands.filter((c) => c.start < markerAt).pop()
  for (const heredoc of node.heredocs) {
    if (heredoc.fileDescriptor > 0) continue
    if (!heredocIsShell(owner?.words ?? [], heredoc.content)) continue
    const body = bodyMap(heredoc.content, heredoc.range.start.line)
    out.push({
      origin: 'heredoc',
      text: heredoc.content,
      shell: tokenizeShell(heredoc.content),
      range: (s, e) => body.range(s, e),
      position: (o) => body.position(o, false),
    })
  }
  return out
}

/** Exec form (`RUN ["apt-get", "install", "x"]`): the argv words with each element's range. */
export function execWords(node: InstructionNode): { value: string; range: SourceRange }[] {
  if (!node.attributes.json) return []
  const out: { value: string; range: SourceRange }[] = []
  for (let arg = node.next; arg; arg = arg.next) if (arg.kind === 'value') out.push({ value: arg.value, range: arg.range })
  return out
}
