import { parseArgs } from 'node:util'
import { createComparer, type CompareTarget } from '../../engine'
import { compareRowInstruction, type CompareFileChange, type CompareRow, type CompareView, type ComparedImage } from '../../shared/compare-api'
import { ApiError } from '../../shared/errors'
import { formatSize, formatSizeDelta } from '../../shared/format'
import { imageOperandHelp, parseImageOperand } from '../image-operand'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

export const diffUsage = `Usage: layerlab diff [options] A B

Compares two images layer by layer: layers paired by the instruction that made them (inserted,
removed and moved steps are found), the size change of each layer and in total, and for each
pair that differs the files added (+), removed (-) and changed (~).

A and B are each ${imageOperandHelp}.

A file counts as changed when its content (SHA-256), type, mode, owner, size, link target or
extended attributes differ. Files whose only difference is the mtime are counted apart
("mtime-only"): a rebuilt step gives its files new times. Daemon images are read through
docker save without file contents, so their files compare by metadata only.

Options:
      --json         print the whole comparison as JSON
      --limit N      list at most N files per layer pair (default 20; with --json, 500)
${storeOptionHelp}
  -h, --help         show this help`

export async function diffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(diffUsage)
    return 0
  }
  if (positionals.length !== 2) throw new UsageError('layerlab diff needs two images: A B')
  let limit = values.json ? 500 : 20
  if (values.limit !== undefined) {
    limit = Number(values.limit)
    if (!/^\d+$/.test(values.limit) || limit > 100_000) throw new UsageError(`--limit must be a number of files from 0 to 100000, not "${values.limit}"`)
  }
  const [a, b] = positionals.map(parseImageOperand) as [CompareTarget, CompareTarget]
  const comparer = createComparer({ store: () => openStoreOption(values.store) })
  let view: CompareView
  try {
    view = await comparer.compare(a, b, { fileLimit: limit })
  } catch (error) {
    if (error instanceof ApiError) throw new CliError(error.message)
    throw error
  }
  console.log(values.json ? JSON.stringify(view, null, 2) : formatComparison(view).join('\n'))
  return 0
}

const signedSize = formatSizeDelta

function describeImage(name: string, image: ComparedImage): string {
  const what = image.source === 'build' ? 'build' : image.source === 'daemon' ? 'daemon image' : 'image'
  const id = image.image.replace(/^sha256:/, '').slice(0, 12)
  return `${name}: ${what} ${image.label} (${id}), ${image.layerCount} layer${image.layerCount === 1 ? '' : 's'}, ${formatSize(image.totalSize)}`
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width)
}

const STATUS_WORD: Record<CompareRow['status'], string> = { same: 'same', changed: 'changed', rebuilt: 'rebuilt', added: 'added', removed: 'removed' }

function layerTable(view: CompareView): string[] {
  const header = ['A', 'B', 'STATUS', 'SIZE A', 'SIZE B', 'DELTA', 'INSTRUCTION']
  const rows = view.rows.map((r) => [
    r.a ? String(r.a.index) : '-',
    r.b ? String(r.b.index) : '-',
    STATUS_WORD[r.status] + (r.moved ? ' (moved)' : ''),
    r.a ? formatSize(r.a.size) : '-',
    r.b ? formatSize(r.b.size) : '-',
    signedSize(r.sizeDelta),
    oneLine(compareRowInstruction(r)),
  ])
  rows.push(['', '', 'total', formatSize(view.a.totalSize), formatSize(view.b.totalSize), signedSize(view.totalDelta), ''])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const numeric = new Set([0, 1, 3, 4, 5])
  return [header, ...rows].map((cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0, numeric.has(i))))
      .join('  ')
      .trimEnd(),
  )
}

function oneLine(text: string, max = 72): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

const MARK: Record<CompareFileChange['change'], string> = { added: '+', removed: '-', changed: '~', 'mtime-only': 't' }

function fileLine(change: CompareFileChange): string {
  const kind = (change.b ?? change.a)?.type
  const name = `${change.path}${kind === 'dir' ? '/' : ''}`
  if (change.change === 'changed') {
    const sizes = change.a && change.b && change.a.size !== change.b.size ? `  ${formatSize(change.a.size)} → ${formatSize(change.b.size)}` : ''
    return `  ~ ${name}${sizes}  (${(change.differences ?? []).filter((d) => d !== 'mtime').join(', ')})`
  }
  const side = change.b ?? change.a
  if (side?.type === 'whiteout') return `  ${MARK[change.change]} ${name}  (${change.b ? 'B' : 'A'} deletes it from the layers below)`
  const size = side?.type === 'file' ? `  ${formatSize(side.size)}` : ''
  return `  ${MARK[change.change]} ${name}${size}`
}

function fileSections(view: CompareView): string[] {
  const out: string[] = []
  for (const row of view.rows) {
    if (!row.files || row.status === 'same') continue
    const { counts, entries } = row.files
    const where = row.a && row.b ? `layer ${row.a.index} → ${row.b.index}` : row.a ? `layer ${row.a.index} (only in A)` : `layer ${row.b?.index ?? '?'} (only in B)`
    const tally = [`${counts.changed} changed`, `${counts.added} added`, `${counts.removed} removed`]
    if (counts.mtimeOnly > 0) tally.push(`${counts.mtimeOnly} with only a new mtime`)
    out.push('', `${where}: ${oneLine(compareRowInstruction(row))}`, `  ${tally.join(', ')}; file data ${signedSize(row.files.sizeDelta)}`)
    const shown = entries.filter((e) => e.change !== 'mtime-only')
    for (const entry of shown) out.push(fileLine(entry))
    const rest = counts.changed + counts.added + counts.removed - shown.length
    if (rest > 0) out.push(`  … and ${rest} more (--limit N or --json to see them)`)
  }
  return out
}

export function formatComparison(view: CompareView): string[] {
  const lines = [describeImage('A', view.a), describeImage('B', view.b), '', ...layerTable(view), ...fileSections(view)]
  if (!view.a.contentHashes || !view.b.contentHashes) {
    lines.push('', 'note: daemon images are compared by file metadata only (docker save gives no file hashes here).')
  }
  return lines
}
