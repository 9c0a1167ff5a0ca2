import type { Dirent } from 'node:fs'
import { readFile, readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { ApiError } from '../shared/errors'
import type { OpenProjectArgs, ProjectInfo, ProjectStage } from '../shared/project-api'
import { DockerfileParseError, describeDockerfile } from './dockerfile'
import { isInside, resolveProjectDir, resolveProjectFile, toPosix } from './api-paths'

/** `Dockerfile`, `Dockerfile.dev`, `api.Dockerfile` (any case, as editors and BuildKit accept). */
const DOCKERFILE_NAME = /^(?:dockerfile(?:\..+)?|.+\.dockerfile)$/i
const skippedDirs = new Set(['node_modules', '.git', '.hg', '.svn'])
const maxFound = 200
const maxDockerfileBytes = 1024 * 1024

/** The `openProject` call: the folder's Dockerfiles and the stages of the chosen one. */
export async function openProject(args: OpenProjectArgs): Promise<ProjectInfo> {
  const dir = await resolveProjectDir(args.dir)
  const dockerfiles = await findDockerfiles(dir)
  if (dockerfiles.length === 0 && args.dockerfile === undefined) {
    throw new ApiError({
      code: 'not-found',
      message: `${dir} has no Dockerfile: add one (named Dockerfile, *.Dockerfile or Dockerfile.*) at its top or one folder down, then open it again`,
    })
  }
  const chosen = await resolveProjectFile(dir, args.dockerfile ?? dockerfiles[0] ?? 'Dockerfile')
  const described = await describeStages(chosen.absolute)
  return {
    dir,
    dockerfiles: dockerfiles.includes(chosen.relative) ? dockerfiles : [chosen.relative, ...dockerfiles],
    dockerfile: chosen.relative,
    ...described,
  }
}

/** The top two levels of the folder; `Dockerfile` itself first, then by path. */
export async function findDockerfiles(dir: string): Promise<string[]> {
  const found: string[] = []
  const top = await readdir(dir, { withFileTypes: true })
  for (const entry of top) if (await isDockerfileEntry(dir, dir, entry)) found.push(entry.name)
  for (const entry of top) {
    if (found.length >= maxFound) break
    if (!entry.isDirectory() || entry.name.startsWith('.') || skippedDirs.has(entry.name)) continue
    const sub = path.join(dir, entry.name)
    const children = await readdir(sub, { withFileTypes: true }).catch(() => [] as Dirent[])
    for (const child of children) {
      if (await isDockerfileEntry(dir, sub, child)) found.push(toPosix(path.join(entry.name, child.name)))
    }
  }
  return found.slice(0, maxFound).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
}

function rank(file: string): number {
  return file === 'Dockerfile' ? 0 : file.includes('/') ? 2 : 1
}

async function isDockerfileEntry(root: string, dir: string, entry: Dirent): Promise<boolean> {
  if (!DOCKERFILE_NAME.test(entry.name)) return false
  if (entry.isFile()) return true
  if (!entry.isSymbolicLink()) return false
  // A symlinked Dockerfile counts only when it points at a file inside the project.
  try {
    const target = await realpath(path.join(dir, entry.name))
    return isInside(root, target) && (await stat(target)).isFile()
  } catch {
    return false
  }
}

async function describeStages(file: string): Promise<Pick<ProjectInfo, 'stages' | 'stagesError'>> {
  const info = await stat(file)
  if (info.size > maxDockerfileBytes) {
    return { stages: [], stagesError: { code: 'bad-request', message: `${path.basename(file)} is larger than 1 MB` } }
  }
  const text = await readFile(file, 'utf8')
  try {
    const stages: ProjectStage[] = describeDockerfile(text).stages.map((stage) => ({
      index: stage.index,
      name: stage.name,
      base: stage.base.raw,
      line: stage.range.start.line,
    }))
    return { stages }
  } catch (error) {
    if (error instanceof DockerfileParseError) {
      return { stages: [], stagesError: { code: 'parse-error', message: error.message, location: error.location } }
    }
    return { stages: [], stagesError: { code: 'parse-error', message: (error as Error).message } }
  }
}
