import { formatSize } from '../../shared/format'
import type { HistoryRow } from './image-history'

export interface HistoryTableOptions {
  /** Shorten IDs and CREATED BY (default true); `--no-trunc` turns it off. */
  trunc?: boolean
  /** "N minutes ago" and 1.2MB (default true); false gives RFC 3339 and byte counts. */
  human?: boolean
  /** The clock for "ago" (tests). */
  now?: Date
}

/**
 * The table `docker history` prints, byte for byte: docker/cli's history formatter (columns,
 * header, truncation, units) laid out as Go's tabwriter does it with docker's settings
 * (minimum width 10, padding 3, the last column unpadded).
 */
export function formatHistoryTable(rows: HistoryRow[], options: HistoryTableOptions = {}): string {
  const trunc = options.trunc ?? true
  const human = options.human ?? true
  const now = options.now ?? new Date()
  const table = [['IMAGE', human ? 'CREATED' : 'CREATED AT', 'CREATED BY', 'SIZE', 'COMMENT']]
  for (const row of rows) {
    const createdBy = row.createdBy.replaceAll('\t', ' ')
    table.push([
      trunc ? truncateId(row.id) : row.id,
      formatCreated(row.created, human, now),
      trunc ? ellipsis(createdBy, 45) : createdBy,
      human ? formatSize(row.size) : String(row.size),
      row.comment,
    ])
  }
  return tabwriter(table)
}

function tabwriter(table: string[][]): string {
  const columns = (table[0]?.length ?? 1) - 1
  const widths = Array.from({ length: columns }, (_, i) => Math.max(10, ...table.map((cells) => runeCount(cells[i] ?? '') + 3)))
  return table.map((cells) => cells.map((cell, i) => (i < columns ? cell + ' '.repeat((widths[i] ?? 0) - runeCount(cell)) : cell)).join('')).join('\n')
}

/** stringid.TruncateID: drop the algorithm, keep 12 characters (`<missing>` stays). */
export function truncateId(id: string): string {
  const colon = id.indexOf(':')
  const bare = colon >= 0 ? id.slice(colon + 1) : id
  return bare.length > 12 ? bare.slice(0, 12) : bare
}

/** Go's zero time, which the daemon reports for an entry without `created`. */
const ZERO_TIME_SECONDS = -62135596800

function formatCreated(created: string | undefined, human: boolean, now: Date): string {
  const parsed = created === undefined ? NaN : Date.parse(created)
  const seconds = Number.isNaN(parsed) ? ZERO_TIME_SECONDS : Math.floor(parsed / 1000)
  if (!human) return seconds === ZERO_TIME_SECONDS ? '0001-01-01T00:00:00Z' : rfc3339Local(new Date(seconds * 1000))
  // Go's Duration saturates near 292 years, which is what an entry without a time shows.
  const elapsed = Math.min(now.getTime() / 1000 - seconds, 9_223_372_036)
  return `${humanDuration(elapsed)} ago`
}

/** go-units HumanDuration, the wording of `docker ps` and `docker history`. */
export function humanDuration(elapsedSeconds: number): string {
  const seconds = Math.trunc(elapsedSeconds)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  const minutes = Math.trunc(elapsedSeconds / 60)
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  const hours = Math.round(elapsedSeconds / 3600)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`
  return `${Math.trunc(Math.trunc(elapsedSeconds / 3600) / 24 / 365)} years`
}

/** Go's time.RFC3339 in the local zone: `2026-01-02T03:04:05Z` or `…T04:04:05+01:00`. */
export function rfc3339Local(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  const offset = -date.getTimezoneOffset()
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  const year = String(date.getFullYear()).padStart(4, '0')
  return `${year}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`
}

/**
 * docker/cli's Ellipsis: cut to `max` display columns with `…` as the last one. East Asian
 * wide and fullwidth characters take two columns, everything else one.
 */
export function ellipsis(text: string, max: number): string {
  if (max <= 0) return ''
  const runes = [...text]
  if (max === 1) return runes[0] ?? ''
  let width = 0
  const ends = runes.map((r) => (width += charWidth(r)))
  if (width <= max) return text
  const keep = ends.findIndex((end, i) => end <= max - 1 && (ends[i + 1] ?? Infinity) > max - 1)
  return keep < 0 ? text : `${runes.slice(0, keep + 1).join('')}…`
}

const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u

function charWidth(rune: string): number {
  return WIDE.test(rune) ? 2 : 1
}

function runeCount(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}
