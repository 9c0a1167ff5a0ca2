// Where tests find BuildKit's conformance files (shared/conformance beside the repository, or
// $LAYERLAB_CONFORMANCE_DIR), and what they do when the files are missing: fail under CI=true,
// skip with the reason elsewhere.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const conformanceDir = process.env.LAYERLAB_CONFORMANCE_DIR ?? path.resolve(repoRoot, '../shared/conformance')

export type CorpusLookup = { available: true; dir: string } | { available: false; dir: string; reason: string }

/**
 * Checks that each relative path exists under the corpus directory. Under CI=true a missing
 * corpus throws, so the suite fails instead of going green on nothing.
 */
export function findCorpus(what: string, ...required: string[]): CorpusLookup {
  const missing = required.filter((rel) => !existsSync(path.join(conformanceDir, rel)))
  if (missing.length === 0) return { available: true, dir: conformanceDir }
  const reason =
    `${what} not found in ${conformanceDir} (missing: ${missing.join(', ')}); ` +
    'set LAYERLAB_CONFORMANCE_DIR to the directory holding buildkit/ and derived/'
  if (process.env.CI === 'true') throw new Error(`${reason} — required under CI=true`)
  console.warn(`skipping: ${reason}`)
  return { available: false, dir: conformanceDir, reason }
}
