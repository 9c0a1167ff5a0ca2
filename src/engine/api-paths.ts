import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { ApiError } from '../shared/errors'

/**
 * Paths from the UI are untrusted: a project folder must be given as an absolute path, and
 * every file a request names must resolve (symlinks followed) to a place inside that folder.
 */

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function badRequest(message: string): ApiError {
  return new ApiError({ code: 'bad-request', message })
}

/** True when `p` is `root` itself or below it. Both must be absolute and normalized. */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

export function requireAbsolute(dir: string): string {
  if (!path.isAbsolute(dir)) {
    throw badRequest(`"${dir}" is not an absolute path: give the full path of the project folder, like /home/me/app`)
  }
  return path.resolve(dir)
}

/** The project folder, symlinks resolved; refuses what is not an existing directory. */
export async function resolveProjectDir(dir: string): Promise<string> {
  const absolute = requireAbsolute(dir)
  let real: string
  try {
    real = await realpath(absolute)
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ApiError({ code: 'not-found', message: `there is no folder at ${absolute}: check the path` })
    }
    if (code === 'EACCES') throw badRequest(`${absolute} cannot be read: permission denied`)
    throw error
  }
  if (!(await stat(real)).isDirectory()) {
    throw badRequest(`${absolute} is not a directory: choose the folder that holds the Dockerfile`)
  }
  return real
}

/** Where history lives for `dir`: its real path when it still exists, else the path as given. */
export async function projectKey(dir: string): Promise<string> {
  const absolute = requireAbsolute(dir)
  try {
    return await realpath(absolute)
  } catch {
    return absolute
  }
}

/**
 * A file named relative to the project (or absolutely, inside it), as a real path that is
 * still inside the project once symlinks are followed.
 */
export async function resolveProjectFile(projectDir: string, file: string): Promise<{ absolute: string; relative: string }> {
  const outside = badRequest(`${file} is outside the project folder: the Dockerfile must be inside ${projectDir}`)
  const candidate = path.resolve(projectDir, file)
  if (!isInside(projectDir, candidate)) throw outside
  let real: string
  try {
    real = await realpath(candidate)
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ApiError({ code: 'not-found', message: `there is no ${file} in ${projectDir}` })
    }
    throw error
  }
  if (!isInside(projectDir, real)) throw outside
  if (!(await stat(real)).isFile()) throw badRequest(`${file} is not a file`)
  return { absolute: real, relative: toPosix(path.relative(projectDir, real)) }
}

export function toPosix(relative: string): string {
  return relative.split(path.sep).join('/')
}
