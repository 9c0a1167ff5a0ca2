import { parseArgs } from 'node:util'
import { createImageAnalyzer } from '../../engine'
import type { ImageWaste } from '../../shared/analysis-api'
import { ApiError } from '../../shared/errors'
import { formatSize } from '../../shared/format'
import type { ImageSelector } from '../../shared/layers-api'
import { describeImageOperand, imageOperandHelp, parseImageOperand } from '../image-operand'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

export const analyzeUsage = `Usage: layerlab analyze [options] IMAGE

Shows the space an image wastes: file data that a later layer overwrote or deleted, so the
image stores it but nothing in it can see it. Prints the efficiency (live / stored file
bytes), the wasted bytes with the paths and layers responsible, the biggest files, and the
same content stored by several layers. With a limit, exits 1 when the image is past it (for CI).

IMAGE is ${imageOperandHelp}.

Options:
      --json                  print the analysis as JSON
      --max-wasted-bytes N    fail when more than N bytes are wasted (N: 1048576, 20MB, 1.5GiB)
      --min-efficiency X      fail when the efficiency is below X (0.9 or 90%)
      --top N                 how many wasted paths, files and duplicates to list (default 10)
      --docker                read IMAGE from the Docker daemon, as docker-daemon:IMAGE does
                              (file contents are not read, so duplicates are not looked for)
${storeOptionHelp}
  -h, --help                  show this help

Exit status: 0 within the limits, 1 past a limit or on an error, 2 for a usage error.`

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }

/** Bytes from `1048576`, `20MB` (decimal, as dive and docker say it) or `1.5GiB`. */
export function parseByteLimit(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()]
  if (!match || unit === undefined) throw new UsageError(`invalid --max-wasted-bytes ${JSON.stringify(text)}: expected bytes, e.g. 1048576, 20MB or 1.5GiB`)
  return Math.floor(Number(match[1]) * unit)
}

/** A ratio from `0.9` or `90%`. */
export function parseEfficiencyLimit(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text)
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN
  if (!match || !(value >= 0 && value <= 1)) throw new UsageError(`invalid --min-efficiency ${JSON.stringify(text)}: expected a ratio from 0 to 1 (0.9) or a percentage (90%)`)
  return value
}

function parseTop(text: string | undefined): number {
  if (text === undefined) return 10
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 10_000) throw new UsageError(`invalid --top ${JSON.stringify(text)}: expected a whole number from 1 to 10000`)
  return Number(text)
}

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`
const layers = (indexes: number[]): string => `${indexes.length === 1 ? 'layer' : 'layers'} ${indexes.join(', ')}`

/** The limits the image is past, each a sentence naming the option. */
export function limitFailures(waste: ImageWaste, limits: { maxWastedBytes?: number; minEfficiency?: number }): string[] {
  const out: string[] = []
  if (limits.maxWastedBytes !== undefined && waste.wastedBytes > limits.maxWastedBytes) {
    out.push(`wasted ${waste.wastedBytes} bytes (${formatSize(waste.wastedBytes)}), more than --max-wasted-bytes ${limits.maxWastedBytes} (${formatSize(limits.maxWastedBytes)})`)
  }
  if (limits.minEfficiency !== undefined && waste.efficiency < limits.minEfficiency) {
    out.push(`efficiency ${percent(waste.efficiency)} is below --min-efficiency ${percent(limits.minEfficiency)}`)
  }
  return out
}

export function formatAnalysis(waste: ImageWaste, label: string, top: number): string {
  const lines: string[] = []
  lines.push(`Image:       ${label}${label === waste.image ? '' : ` (${waste.image})`}`)
  lines.push(`Efficiency:  ${percent(waste.efficiency)}`)
  lines.push(`Wasted:      ${formatSize(waste.wastedBytes)} (${waste.wastedBytes} bytes) in ${waste.wastedPathCount} path${waste.wastedPathCount === 1 ? '' : 's'}`)
  lines.push(`File data:   ${formatSize(waste.storedBytes)} stored in ${waste.layers.length} layers, ${formatSize(waste.liveBytes)} visible in the image`)
  if (waste.wastedPaths.length > 0) {
    lines.push('', 'Wasted paths (overwritten or deleted by a later layer):')
    for (const p of waste.wastedPaths.slice(0, top)) {
      const what = p.stillPresent ? 'overwritten' : 'deleted'
      const same = p.unchangedRewrites > 0 ? `, ${p.unchangedRewrites} rewritten unchanged` : ''
      const copies = p.copies === 1 ? '' : `, ${p.copies} copies`
      lines.push(`  ${formatSize(p.wastedBytes).padStart(8)}  /${p.path}  written in ${layers(p.writtenIn)}, ${what} in ${layers(p.removedIn)}${copies}${same}`)
    }
    if (waste.wastedPathCount > Math.min(top, waste.wastedPaths.length)) lines.push(`  … and ${waste.wastedPathCount - Math.min(top, waste.wastedPaths.length)} more`)
  }
  if (waste.biggestFiles.length > 0) {
    lines.push('', 'Biggest files:')
    for (const f of waste.biggestFiles.slice(0, top)) lines.push(`  ${formatSize(f.size).padStart(8)}  /${f.path}  (layer ${f.layer})`)
  }
  lines.push('')
  if (!waste.contentHashed) lines.push('Duplicates:  not looked for (file contents of daemon images are not read)')
  else if (waste.duplicateGroupCount === 0) lines.push('Duplicates:  none (no content is stored by two layers)')
  else {
    lines.push(`Duplicates:  ${waste.duplicateGroupCount} content${waste.duplicateGroupCount === 1 ? '' : 's'} stored by several layers, ${formatSize(waste.duplicateBytes)} could be saved`)
    for (const g of waste.duplicates.slice(0, top)) {
      lines.push(`  ${formatSize(g.size).padStart(8)} ×${g.files.length}  ${g.files.map((f) => `/${f.path} (layer ${f.layer})`).join(', ')}`)
    }
  }
  return lines.join('\n')
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'max-wasted-bytes': { type: 'string' },
      'min-efficiency': { type: 'string' },
      top: { type: 'string' },
      docker: { type: 'boolean', default: false },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(analyzeUsage)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('layerlab analyze needs exactly one IMAGE')
  const operand = parseImageOperand(positionals[0] as string)
  if (values.docker && !('image' in operand)) throw new UsageError('--docker takes an image name, not a build id or docker-daemon: reference')
  const selector: ImageSelector = values.docker && 'image' in operand ? { daemonImage: operand.image } : operand
  if ('daemonImage' in selector && values.store !== undefined) throw new UsageError('a Docker daemon image takes no --store')
  const limits: { maxWastedBytes?: number; minEfficiency?: number } = {}
  if (values['max-wasted-bytes'] !== undefined) limits.maxWastedBytes = parseByteLimit(values['max-wasted-bytes'])
  if (values['min-efficiency'] !== undefined) limits.minEfficiency = parseEfficiencyLimit(values['min-efficiency'])
  const top = parseTop(values.top)

  const analyzer = createImageAnalyzer({ store: () => openStoreOption(values.store) })
  let waste: ImageWaste
  try {
    waste = await analyzer.analyze(selector, { limit: Math.max(top, 50) })
  } catch (error) {
    if (error instanceof ApiError) throw new CliError(error.message)
    throw error
  }
  const failures = limitFailures(waste, limits)
  if (values.json) {
    const checks = { ...limits, passed: failures.length === 0, failures }
    console.log(JSON.stringify({ ...waste, checks }, null, 2))
  } else {
    console.log(formatAnalysis(waste, describeImageOperand(selector), top))
  }
  for (const failure of failures) console.error(`layerlab analyze: ${describeImageOperand(selector)}: ${failure}`)
  return failures.length === 0 ? 0 : 1
}
