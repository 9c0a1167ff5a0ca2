import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { EditorDiagnostic } from '../../shared/editor-api'
import { checkDockerfileInProject, LINT_RULES, type LintRuleId } from '../../engine'
import { openStoreOption, storeOptionHelp } from '../store-option'
import { CliError, UsageError } from '../usage-error'

const rules = (Object.keys(LINT_RULES) as LintRuleId[]).map((id) => `  ${id.padEnd(22)} ${LINT_RULES[id].severity.padEnd(8)} ${LINT_RULES[id].doc}`).join('\n')

export const lintUsage = `Usage: layerlab lint [-f FILE] [DIR] [--json] [--build ID] [--failure-threshold LEVEL]

Checks a Dockerfile for what costs image size and cache hits, and says what each finding
measurably costs in the project's last successful build (bytes left in a layer, how often a
step rebuilt) or in the context (.git and node_modules sent without a .dockerignore).

Arguments:
  DIR                        the build context (default: the current directory)

Options:
  -f, --file FILE            the Dockerfile (default: DIR/Dockerfile)
      --json                 print the findings as JSON
      --build ID             measure costs in this build instead of the last successful one
      --failure-threshold L  exit 1 when a finding is at least this severe: error, warning,
                             info (default) or none (never fail on findings)
${storeOptionHelp}
  -h, --help                 show this help

Exit status, as hadolint's: 0 when no finding reaches the threshold, 1 when one does (and for
parse errors, which are errors), 2 for usage errors.

Rules:
${rules}`

const LEVELS = { error: 3, warning: 2, info: 1, none: Infinity } as const
type Level = keyof typeof LEVELS

function isLevel(value: string): value is Level {
  return Object.hasOwn(LEVELS, value)
}

function format(file: string, d: EditorDiagnostic): string {
  const where = `${file}:${d.range.start.line}:${d.range.start.column}`
  let out = `${where} ${d.rule ?? 'parse'} ${d.severity}: ${d.message}`
  if (d.cost) out += `\n    measured: ${d.cost.text}`
  for (const fix of d.fixes ?? []) out += `\n    fix: ${fix.title}`
  return out
}

export async function lintCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f' },
      json: { type: 'boolean', default: false },
      build: { type: 'string' },
      'failure-threshold': { type: 'string', default: 'info' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  })
  if (values.help) {
    console.log(lintUsage)
    return 0
  }
  if (positionals.length > 1) throw new UsageError(`layerlab lint takes one context directory, not ${positionals.length}`)
  const threshold = values['failure-threshold']
  if (!isLevel(threshold)) throw new UsageError(`--failure-threshold must be error, warning, info or none, not "${threshold}"`)
  const dir = path.resolve(positionals[0] ?? '.')
  const file = path.resolve(values.file ?? path.join(dir, 'Dockerfile'))
  const shown = path.relative(process.cwd(), file) || file
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CliError(`${shown}: no such file`)
    if (code === 'EISDIR') throw new CliError(`${shown}: is a directory, not a Dockerfile`)
    throw new CliError(`${shown}: ${(error as Error).message}`)
  }
  const relative = path.relative(dir, file)
  // A Dockerfile outside the context has no builds or context to measure against.
  const inProject = !relative.startsWith('..') && !path.isAbsolute(relative)
  const store = inProject ? await openStoreOption(values.store) : undefined
  let result
  try {
    result = await checkDockerfileInProject(
      { text, ...(inProject ? { dir, dockerfile: relative } : {}), ...(values.build ? { buildId: values.build } : {}) },
      store ? { store: () => Promise.resolve(store) } : {},
    )
  } catch (error) {
    throw new CliError((error as Error).message)
  }
  const found = result.diagnostics
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dockerfile: shown, ...(result.costBuild ? { build: result.costBuild } : {}), diagnostics: found }, null, 2)}\n`)
  } else {
    for (const d of found) console.log(format(shown, d))
    if (result.costBuild) console.error(`costs measured in build ${result.costBuild.id} (${result.costBuild.startedAt})`)
    else if (inProject && found.some((d) => d.rule !== undefined && Object.hasOwn(LINT_RULES, d.rule))) {
      console.error('no successful build of this Dockerfile in the store: build it to measure what the findings cost')
    }
  }
  return found.some((d) => LEVELS[d.severity] >= LEVELS[threshold]) ? 1 : 0
}
