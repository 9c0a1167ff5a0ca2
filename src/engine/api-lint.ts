import { randomBytes } from 'node:crypto'
import { link, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { CheckDockerfileResult, EditorDiagnostic, EditorFix } from '../shared/editor-api'
import { ApiError } from '../shared/errors'
import { gatherContextFacts } from './analysis/lint-context'
import { LayerScanCache } from './analysis/layer-scan-cache'
import { measureLintCosts } from './analysis/lint-cost'
import { resolveProjectDir } from './api-paths'
import type { ParseResult, StagesResult } from './dockerfile'
import { LINT_RULES, lintDockerfile, type ContextFacts, type LintFinding } from './dockerfile/lint'
import { StoreError, type Store } from './store'

/** How long the context's .git / node_modules sizes are reused while the user types. */
const CONTEXT_FACTS_MS = 120_000

export interface LintApiOptions {
  store?: () => Promise<Store>
  /** Most layer paths the lint costs keep listed across layers; default 200,000. */
  maxScannedPaths?: number
}

export interface ProjectLint {
  /** Size and cache findings for a text; with a project, costs and the .dockerignore rule too. */
  lint(
    parsed: ParseResult,
    staged: StagesResult,
    text: string,
    project?: { dir: string; dockerfile: string; buildId?: string },
  ): Promise<Pick<CheckDockerfileResult, 'costBuild'> & { diagnostics: EditorDiagnostic[] }>
}

function toFix(fix: LintFinding['fixes'][number]): EditorFix {
  return {
    title: fix.title,
    edits: fix.edits.map((e) => ({ range: { start: { ...e.range.start }, end: { ...e.range.end } }, text: e.text })),
    ...(fix.createFile ? { createFile: { ...fix.createFile } } : {}),
  }
}

export function toEditorDiagnostic(finding: LintFinding, cost?: EditorDiagnostic['cost']): EditorDiagnostic {
  return {
    message: finding.message,
    severity: finding.severity,
    range: { start: { ...finding.range.start }, end: { ...finding.range.end } },
    rule: finding.rule,
    doc: LINT_RULES[finding.rule].doc,
    ...(cost ? { cost } : finding.cost ? { cost: { ...finding.cost } } : {}),
    ...(finding.fixes.length > 0 ? { fixes: finding.fixes.map(toFix) } : {}),
  }
}

export function createProjectLint(options: LintApiOptions): ProjectLint {
  // Each scan keeps a layer's file list: bounded by paths held, not by layers.
  const layerScans = new LayerScanCache(options.maxScannedPaths)
  const facts = new Map<string, { at: number; facts: Promise<ContextFacts> }>()

  const contextFacts = async (dir: string, dockerfile: string): Promise<ContextFacts> => {
    // A .dockerignore written or edited, or .git / node_modules changing at the top, changes the
    // answer at once; deeper changes show after the pause.
    const watched = [path.join(dir, '.dockerignore'), `${path.resolve(dir, dockerfile)}.dockerignore`, path.join(dir, '.git'), path.join(dir, 'node_modules')]
    const mtimes = await Promise.all(watched.map((f) => stat(f).then((s) => s.mtimeMs, () => 0)))
    const key = `${dir}\0${dockerfile}\0${mtimes.join(',')}`
    const known = facts.get(key)
    if (known && Date.now() - known.at < CONTEXT_FACTS_MS) return known.facts
    const pending = gatherContextFacts(dir, dockerfile)
    pending.catch(() => facts.delete(key))
    if (facts.size > 64) facts.clear()
    facts.set(key, { at: Date.now(), facts: pending })
    return pending
  }

  return {
    async lint(parsed, staged, text, project) {
      if (!project) return { diagnostics: lintDockerfile(parsed, text, { staged }).map((f) => toEditorDiagnostic(f)) }
      const dir = await resolveProjectDir(project.dir)
      const context = await contextFacts(dir, project.dockerfile).catch(() => undefined)
      const findings = lintDockerfile(parsed, text, { staged, ...(context ? { context } : {}) })
      if (!options.store) return { diagnostics: findings.map((f) => toEditorDiagnostic(f)) }
      let measured: Awaited<ReturnType<typeof measureLintCosts>>
      try {
        measured = await measureLintCosts(await options.store(), findings, {
          project: dir,
          dockerfile: project.dockerfile,
          cache: layerScans,
          ...(project.buildId ? { buildId: project.buildId } : {}),
        })
      } catch (error) {
        if (error instanceof StoreError && project.buildId) {
          throw new ApiError({ code: 'not-found', message: `build ${project.buildId} cannot be read for lint costs: ${error.message}` })
        }
        // A store that cannot be read leaves the findings without numbers, not without findings.
        measured = { costs: new Map() }
      }
      const buildId = measured.build?.id
      const diagnostics = findings.map((f) => {
        const cost = measured.costs.get(f)
        return toEditorDiagnostic(f, cost ? { ...cost, ...(buildId ? { buildId } : {}) } : undefined)
      })
      return { diagnostics, ...(measured.build ? { costBuild: measured.build } : {}) }
    },
  }
}

/**
 * Writes `<project>/.dockerignore` with `text`: into a temporary file first, then a hard link
 * to the final name, which fails if the name exists, so an existing file is never replaced and
 * a reader never sees half a file.
 */
export async function createDockerignore(dir: string, text: string): Promise<string> {
  const project = await resolveProjectDir(dir)
  const target = path.join(project, '.dockerignore')
  const temp = path.join(project, `.dockerignore.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 })
    await link(temp, target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ApiError({ code: 'bad-request', message: `${target} already exists: Layerlab does not overwrite it` })
    }
    throw new ApiError({ code: 'internal', message: `could not write ${target}: ${(error as Error).message}` })
  } finally {
    await rm(temp, { force: true })
  }
  return target
}
