// Paths inside the image being built. Two forms are used: "absolute" as the Dockerfile writes
// them (`/usr/local/bin/`, a trailing slash kept because it means "a directory"), and "rel" as
// layers store them (`usr/local/bin`, the root being ''). Plain POSIX rules: the image is Linux.

import { posix } from 'node:path'

/** `/a/b` or `a/b/` → `a/b`; `/` → ''. `..` never climbs above the root (the chroot rule). */
export function toRel(path: string): string {
  const clean = posix.normalize('/' + path)
  return clean === '/' ? '' : clean.replace(/^\/+/, '').replace(/\/+$/, '')
}

export function toAbs(rel: string): string {
  return '/' + rel
}

export function joinRel(dir: string, name: string): string {
  if (dir === '') return name
  if (name === '') return dir
  return `${dir}/${name}`
}

export function parentRel(rel: string): string {
  const slash = rel.lastIndexOf('/')
  return slash < 0 ? '' : rel.slice(0, slash)
}

export function baseRel(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1)
}

/** Every proper ancestor of `rel`, root excluded, outermost first: `a/b/c` → `a`, `a/b`. */
export function ancestorsRel(rel: string): string[] {
  const out: string[] = []
  for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) out.push(rel.slice(0, i))
  return out
}

/**
 * The COPY/ADD destination as dispatchCopy computes it (pathRelativeToWorkingDir with
 * system.NormalizePath keepSlash): relative to WORKDIR, `.` and '' meaning "WORKDIR/", cleaned,
 * and a trailing `/` (or `/.`) kept, because it is what makes the destination a directory.
 */
export function resolveDestination(dest: string, workdir: string): string {
  let p = dest
  if (p === '' || p === '.') p = './'
  const wantsDir = p.endsWith('/') || p.endsWith('/.')
  const joined = posix.normalize(p.startsWith('/') ? p : posix.join(workdir === '' ? '/' : workdir, p))
  const clean = joined === '/' ? '/' : joined.replace(/\/+$/, '')
  return wantsDir && clean !== '/' ? clean + '/' : clean
}

/** True for a destination that names a directory (`/app/`, `/`). */
export function isDirectoryDest(dest: string): boolean {
  return dest.endsWith('/')
}
