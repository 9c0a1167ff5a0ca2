import { randomBytes } from 'node:crypto'
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ApiHandlers } from '../shared/contract'
import { maxDockerfileChars, type EditorDiagnostic } from '../shared/editor-api'
import { ApiError } from '../shared/errors'
import { isInside, resolveProjectDir, resolveProjectFile } from './api-paths'
import { DockerfileParseError, InstructionError, parseDockerfile, parseStages, type SourceRange } from './dockerfile'

type EditorHandlers = Pick<ApiHandlers, 'readDockerfile' | 'saveDockerfile' | 'checkDockerfile'>

/** The editor's calls: read, save (atomically, inside the project) and check a Dockerfile. */
export function createEditorApi(): { handlers: EditorHandlers } {
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
      checkDockerfile({ text }) {
        return Promise.resolve({ diagnostics: checkDockerfileText(text) })
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
  const found: EditorDiagnostic[] = []
  try {
    const parsed = parseDockerfile(text)
    for (const w of parsed.warnings) found.push(diagnostic(w.message, 'warning', w.range, w.rule))
    const staged = parseStages(parsed)
    for (const w of staged.warnings) found.push(diagnostic(w.message, 'warning', w.range, w.rule))
  } catch (error) {
    if (error instanceof InstructionError) {
      for (const range of error.locations) found.push(diagnostic(error.detail, 'error', range))
    } else if (error instanceof DockerfileParseError) {
      found.push(diagnostic(error.detail, 'error', error.location))
    } else {
      throw error
    }
  }
  return found
}
