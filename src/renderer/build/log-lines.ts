/**
 * A step's log as a bounded, persistent buffer: appending copies at most one chunk, and the
 * oldest chunks are dropped once the buffer holds more than `max` lines, so a step that prints
 * thousands of lines stays cheap to update and to render.
 */
export interface LogLine {
  stream: 'stdout' | 'stderr'
  text: string
}

export interface LogLines {
  readonly chunks: readonly (readonly LogLine[])[]
  /** Lines held. */
  readonly size: number
  /** Lines dropped from the front to stay within the bound. */
  readonly dropped: number
}

export const emptyLog: LogLines = { chunks: [], size: 0, dropped: 0 }

export const defaultMaxLines = 5000
const chunkSize = 256

/** Splits one log event's text into lines; a trailing newline does not make an empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/)
  if (lines.length > 1 && lines.at(-1) === '') lines.pop()
  return lines
}

export function appendLog(log: LogLines, stream: LogLine['stream'], text: string, max = defaultMaxLines): LogLines {
  const added = splitLines(text).map((line) => ({ stream, text: line }))
  if (added.length === 0) return log
  const chunks = log.chunks.slice()
  let size = log.size
  for (const line of added) {
    const last = chunks.at(-1)
    if (last && last.length < chunkSize) chunks[chunks.length - 1] = [...last, line]
    else chunks.push([line])
    size++
  }
  let dropped = log.dropped
  while (size > max && chunks.length > 1) {
    const first = chunks.shift() ?? []
    size -= first.length
    dropped += first.length
  }
  return { chunks, size, dropped }
}

export function logLines(log: LogLines): LogLine[] {
  return log.chunks.flat()
}
