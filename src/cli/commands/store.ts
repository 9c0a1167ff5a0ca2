import { parseArgs } from 'node:util'
import { checkStore, listImages, pruneStore } from '../../engine'
import { formatSize } from '../../shared/format'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { UsageError } from '../usage-error'

export const storeUsage = `Usage: layerlab store check [--fix] [--store DIR]

Verifies every blob's digest and every reference in the store (index, manifests, configs,
layers, cache entries, tags). Exits 1 if anything is wrong.

Options:
      --fix          remove stale temporary files left by interrupted writes
${storeOptionHelp}`

export async function storeCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '-h' || sub === '--help') {
    console.log(storeUsage)
    return 0
  }
  if (sub !== 'check') throw new UsageError(sub ? `unknown store command "${sub}"` : 'layerlab store needs a command: check')
  const { values } = parseArgs({
    args: rest,
    options: { store: { type: 'string' }, fix: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  })
  if (values.help) {
    console.log(storeUsage)
    return 0
  }
  const store = await openStoreOption(values.store)
  const report = await checkStore(store, { removeStaleTemps: values.fix })
  for (const problem of report.problems) {
    console.log(`${problem.fixed ? 'fixed' : 'problem'}: ${problem.path}: ${problem.message}`)
  }
  const open = report.problems.filter((p) => !p.fixed).length
  console.log(
    `${store.dir}: ${report.blobsChecked} blobs (${formatSize(report.bytesChecked)}) checked, ` +
      (open === 0 ? 'no problems' : `${open} problem${open === 1 ? '' : 's'}`),
  )
  return open === 0 ? 0 : 1
}

export const pruneUsage = `Usage: layerlab prune [--all] [--dry-run] [--store DIR]

Removes blobs that no image, tag, cache entry or build record needs, and says how much that
freed. Blobs written in the last hour are kept: a build may be about to reference them.

Options:
      --all          also drop the build cache (the next build of every step is a miss) and
                     the file tables and sizes computed from layers (computed again when asked)
      --dry-run      report what would be removed without removing it
${storeOptionHelp}`

export async function pruneCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(pruneUsage)
    return 0
  }
  const store = await openStoreOption(values.store)
  const result = await pruneStore(store, { dryRun: values['dry-run'], dropCache: values.all })
  const verb = result.dryRun ? 'would free' : 'freed'
  const cache =
    (result.removedCacheEntries > 0 ? `, ${result.removedCacheEntries} cache entries` : '') +
    (result.removedDerivedFiles > 0 ? `, ${result.removedDerivedFiles} derived files` : '')
  const blobs = result.removedBlobs.length
  console.log(`${blobs} blob${blobs === 1 ? '' : 's'}${cache}: ${verb} ${formatSize(result.freedBytes)}`)
  if (result.keptRecent > 0) console.log(`kept ${result.keptRecent} unreferenced blobs younger than an hour`)
  return 0
}

export const imagesUsage = `Usage: layerlab images [--store DIR]

Lists the images in the Layerlab store.

Options:
${storeOptionHelp}`

export async function imagesCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { store: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  })
  if (values.help) {
    console.log(imagesUsage)
    return 0
  }
  const store = await openStoreOption(values.store)
  const images = await listImages(store)
  const rows = [['REPOSITORY:TAG', 'IMAGE ID', 'CREATED', 'SIZE']]
  for (const image of images) {
    rows.push([image.familiar ?? '<none>', (image.configDigest ?? image.digest).slice(7, 19), image.created ?? '', formatSize(image.size)])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('   ').trimEnd())
  return 0
}
