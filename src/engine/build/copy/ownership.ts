// --chown and --chmod as BuildKit's file operations apply them, and the owner a WORKDIR gets.
//
// User specs follow llb.WithUser + the file backend's readUser (the rootfs module's 'chown'
// rule), which differ from how RUN's USER is resolved: a numeric user without a group means
// gid = uid, a name takes the uid and primary gid from the destination's /etc/passwd, a group
// name its gid from /etc/group. BuildKit quietly uses 0 for a name it cannot find; COPY/ADD fail
// instead, as the engine reference recommends; WORKDIR keeps BuildKit's fallback.

import type { ChmodMode } from '../../dockerfile'
import { resolveUserSpec, UserSpecError } from './rootfs-port'
import type { RootfsView } from './rootfs-port'

export interface Owner {
  readonly uid: number
  readonly gid: number
}

type IdOrName = { readonly id: number } | { readonly name: string }

/** llb parseUID: `root` is 0, a decimal that fits in 32 bits is an id, anything else a name. */
function idOrName(part: string): IdOrName {
  if (part === 'root') return { id: 0 }
  if (/^[0-9]+$/.test(part)) {
    const n = Number(part)
    if (n <= 0xffffffff) return { id: n }
  }
  return { name: part }
}

/** `user[:group]` split the way llb.WithUser splits it (at the first colon). */
export function parseUserSpec(spec: string): { user: IdOrName; group: IdOrName | null } {
  const colon = spec.indexOf(':')
  const user = colon < 0 ? spec : spec.slice(0, colon)
  const group = colon < 0 ? null : spec.slice(colon + 1)
  return { user: idOrName(user), group: group === null ? null : idOrName(group) }
}

/** First line of a passwd/group file whose name field is `name`, split on ':'. */
function findRecord(text: string | undefined, name: string): string[] | undefined {
  for (const line of (text ?? '').split('\n')) {
    const fields = line.trim().split(':')
    if (fields[0] === name && fields.length >= 3) return fields
  }
  return undefined
}

/** Go's Atoi with the error ignored, as moby's passwd parser does: garbage is 0. */
function idField(value: string | undefined): number {
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : 0
}

/**
 * Resolves a --chown value (or a WORKDIR's USER) against the filesystem the step writes to.
 * `missing: 'root'` is BuildKit's own behaviour for names it cannot find (used for WORKDIR,
 * where failing would break builds BuildKit accepts, e.g. USER set before the user exists).
 */
export async function resolveOwner(rootfs: RootfsView, spec: string, missing: 'error' | 'root' = 'error'): Promise<Owner> {
  try {
    return await resolveUserSpec(rootfs, spec, { rule: 'chown' })
  } catch (e) {
    if (missing === 'root' && e instanceof UserSpecError) return lenientOwner(rootfs, spec)
    throw e
  }
}

/** readUser as BuildKit has it: a name nobody can find is 0 (the user) or leaves the gid alone. */
async function lenientOwner(rootfs: RootfsView, spec: string): Promise<Owner> {
  const { user, group } = parseUserSpec(spec)
  let uid: number
  let gid: number
  if ('id' in user) {
    uid = user.id
    gid = user.id
  } else {
    const rec = findRecord((await rootfs.readFile('/etc/passwd'))?.toString('utf8'), user.name)
    uid = rec === undefined ? 0 : idField(rec[2])
    gid = rec === undefined ? 0 : idField(rec[3])
  }
  if (group !== null) {
    if ('id' in group) gid = group.id
    else {
      const rec = findRecord((await rootfs.readFile('/etc/group'))?.toString('utf8'), group.name)
      if (rec !== undefined) gid = idField(rec[2])
    }
  }
  return { uid, gid }
}

/**
 * The mode a copied entry ends up with (fsutil copyFileInfo). A numeric --chmod replaces the
 * permission bits only — setuid/setgid/sticky of the source stay, the mode's own are dropped
 * (fsutil masks it with 0777). A symbolic one is applied like chmod(1) with a zero umask.
 * Symlinks keep their mode: fsutil never chmods them.
 */
export function copiedMode(sourceMode: number, isDir: boolean, isSymlink: boolean, chmod: ChmodMode | null): number {
  if (chmod === null || isSymlink) return sourceMode & 0o7777
  if (chmod.kind === 'octal') return (sourceMode & 0o7000) | (chmod.mode & 0o777)
  return applySymbolicMode(sourceMode & 0o7777, chmod.mode, isDir)
}

/** Mode of directories a COPY creates on the way (fsutil MkdirAll): 0755, or a numeric --chmod. */
export function createdDirMode(chmod: ChmodMode | null): number {
  return chmod?.kind === 'octal' ? chmod.mode & 0o777 : 0o755
}

const WHO_BITS = { u: 0o4700, g: 0o2070, o: 0o1007 } as const

/**
 * chmod(1) symbolic modes (`u=rwX,go=rX`, `+x`, `g=u`), as dchapes/mode applies them with a
 * zero umask. The syntax was validated by parseChmod already; this only evaluates it.
 */
export function applySymbolicMode(mode: number, spec: string, isDir: boolean): number {
  let m = mode
  for (const clause of spec.split(',')) {
    let i = 0
    let who = 0
    while (i < clause.length && 'ugoa'.includes(clause[i] ?? '')) {
      const c = clause[i] as 'u' | 'g' | 'o' | 'a'
      who |= c === 'a' ? 0o7777 : WHO_BITS[c]
      i++
    }
    if (who === 0) who = 0o7777
    while (i < clause.length) {
      const op = clause[i++]
      const start = m
      let bits = 0
      while (i < clause.length && !'+-='.includes(clause[i] ?? '')) {
        const p = clause[i++]
        if (p === 'r') bits |= 0o444
        else if (p === 'w') bits |= 0o222
        else if (p === 'x') bits |= 0o111
        else if (p === 'X') bits |= isDir || (start & 0o111) !== 0 ? 0o111 : 0
        else if (p === 's') bits |= 0o6000
        else if (p === 't') bits |= 0o1000
        else if (p === 'u') bits |= ((start >> 6) & 7) * 0o111
        else if (p === 'g') bits |= ((start >> 3) & 7) * 0o111
        else if (p === 'o') bits |= (start & 7) * 0o111
      }
      bits &= who
      if (op === '+') m |= bits
      else if (op === '-') m &= ~bits
      else m = (m & ~(who & 0o777)) | bits
    }
  }
  return m & 0o7777
}
