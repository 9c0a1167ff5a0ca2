import { randomBytes } from 'node:crypto'
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ApiHandlers } from '../shared/contract'
import { maxDockerfileChars, type CheckDockerfileArgs, type CheckDockerfileResult, type EditorDiagnostic } from '../shared/editor-api'
import { ApiError } from '../shared/errors'
import { createDockerignore, createProjectLint, type LintApiOptions, type ProjectLint } from './api-lint'
import { isInside, resolveProjectDir, resolveProjectFile } from './api-paths'
import { DockerfileParseError, InstructionError, parseDockerfile, parseStages, type SourceRange } from './dockerfile'

type EditorHandlers = Pick<ApiHandlers, 'readDockerfile' | 'saveDockerfile' | 'checkDockerfile' | 'createDockerignore'>

/**
 * The editor's calls: read, save (atomically, inside the project) and check a Dockerfile, with
 * the size and cache lint measured against the project's builds (`store`).
 */
export function createEditorApi(options: LintApiOptions = {}): { handlers: EditorHandlers } {
  const projectLint = createProjectLint(options)
  return {
    handlers: {
      async readDockerfile({ dir, dockerfile }) {
        const project = await resolveProjectDir(dir)
        const file = await resolveProjectFile(project, dockerfile)
        const info = await stat(file.absolute)
        if (info.size > maxDockerfileChars) {
          throw new ApiError({ code: 'bad-request', message: `${file.relative} is larger than 1 MB: the editor cannot open it` })
        }
        return { text: await readFile(file.absolute, 'utf8') }
      },
      async saveDockerfile({ dir, dockerfile, text }) {
        const project = await resolveProjectDir(dir)
        const target = await saveTarget(project, dockerfile)
        await writeAtomically(target, text)
        return { saved: true }
      },
      checkDockerfile(args) {
        return checkDockerfile(args, projectLint)
      },
      async createDockerignore({ dir, text }) {
        return { created: await createDockerignore(dir, text) }
      },
    },
  }
}

/**
 * Where a save goes: the existing file (symlinks followed, still inside the project), or a new
 * file whose folder is inside the project.
 */
async function saveTarget(project: string, dockerfile: string): Promise<string> {
  try {
    return (await resolveProjectFile(project, dockerfile)).absolute
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'not-found') throw error
  }
  const candidate = path.resolve(project, dockerfile)
  const outside = new ApiError({
    code: 'bad-request',
    message: `${dockerfile} is outside the project folder: the Dockerfile must be inside ${project}`,
  })
  if (!isInside(project, candidate)) throw outside
  let parent: string
  try {
    parent = await realpath(path.dirname(candidate))
  } catch {
    throw new ApiError({ code: 'not-found', message: `there is no folder for ${dockerfile} in ${project}` })
  }
  if (!isInside(project, parent)) throw outside
  return path.join(parent, path.basename(candidate))
}

/** A temporary file next to the target, then a rename: readers see the old or the new text. */
async function writeAtomically(target: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  const mode = await stat(target).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  )
  try {
    await writeFile(temp, text, { flag: 'wx', ...(mode === undefined ? {} : { mode }) })
    if (mode !== undefined) await chmod(temp, mode)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

function diagnostic(message: string, severity: EditorDiagnostic['severity'], range: SourceRange, rule?: string): EditorDiagnostic {
  return {
    message,
    severity,
    range: { start: { ...range.start }, end: { ...range.end } },
    ...(rule ? { rule } : {}),
  }
}

/** The engine's parser and stage checks over a text: errors at their ranges, then warnings. */
export function checkDockerfileText(text: string): EditorDiagnostic[] {
  return checkSyntax(text).found
}

/**
 * `checkDockerfile` outside the UI (the CLI's `layerlab lint`): parse errors and warnings, then
 * the size and cache lint with costs from the store's builds of the project.
 */
export function checkDockerfileInProject(args: CheckDockerfileArgs, options: LintApiOptions = {}): Promise<CheckDockerfileResult> {
  return checkDockerfile(args, createProjectLint(options))
}

/** Parse, stage checks, then the size and cache lint (with costs when the project is given). */
async function checkDockerfile(args: CheckDockerfileArgs, lint: ProjectLint): Promise<CheckDockerfileResult> {
  const { found, parsed, staged } = checkSyntax(args.text)
  if (!parsed || !staged) return { diagnostics: found }
  let project
  if (args.dir !== undefined && args.dockerfile !== undefined) {
    const dir = await resolveProjectDir(args.dir)
    if (!isInside(dir, path.resolve(dir, args.dockerfile))) {
      throw new ApiError({ code: 'bad-request', message: `${args.dockerfile} is outside the project folder ${dir}` })
    }
    project = { dir, dockerfile: path.relative(dir, path.resolve(dir, args.dockerfile)), ...(args.buildId ? { buildId: args.buildId } : {}) }
  }
  const linted = await lint.lint(parsed, staged, args.text, project)
  return { ...linted, diagnostics: [...found, ...linted.diagnostics] }
}

function checkSyntax(text: string): { found: EditorDiagnostic[]; parsed?: ReturnType<typeof parseDockerfile>; staged?: ReturnType<typeof parseStages> } {
  const found: EditorDiagnostic[] = []
  try {
    const parsed = parseDockerfile(text)
    for (const w of parsed.warnings) found.push(diagnostic(w.message, 'warning', w.range, w.rule))
    const staged = parseStages(parsed)
    for (const w of staged.warnings) found.push(diagnostic(w.message, 'warning', w.range, w.rule))
    return { found, parsed, staged }
  } catch (error) {
    if (error instanceof InstructionError) {
      for (const range of error.locations) found.push(diagnostic(error.detail, 'error', range))
    } else if (error instanceof DockerfileParseError) {
      found.push(diagnostic(error.detail, 'error', error.location))
    } else {
      throw error
    }
  }
  return { found }
}
