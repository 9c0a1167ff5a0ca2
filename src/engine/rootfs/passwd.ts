import { RootfsError, type RootfsView } from './rootfs-types'

/**
 * /etc/passwd and /etc/group as moby/sys `user` reads them (what runc and BuildKit use): lines
 * are trimmed, blank lines skipped, fields split on ':' and filled in order; missing fields stay
 * empty and numbers that do not parse are 0 — a malformed line is not an error. Only the group
 * parser skips '#' comments (the passwd one does not: a comment line becomes a user nobody asks
 * for, named after the comment).
 */
export interface PasswdEntry {
  name: string
  password: string
  uid: number
  gid: number
  gecos: string
  home: string
  shell: string
}

export interface GroupEntry {
  name: string
  password: string
  gid: number
  members: string[]
}

/** Go's strconv.Atoi with its error ignored, as moby's parser does. */
const atoi = (text: string | undefined): number => (text !== undefined && /^[+-]?[0-9]+$/.test(text) ? Number(text) : 0)

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(':'))
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map(([name = '', password = '', uid, gid, gecos = '', home = '', shell = '']) => ({ name, password, uid: atoi(uid), gid: atoi(gid), gecos, home, shell }))
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text)
    .filter(([first = '']) => !first.startsWith('#'))
    .map(([name = '', password = '', gid, list]) => ({ name, password, gid: atoi(gid), members: list ? list.split(',') : [] }))
}

/** moby/sys user.GetExecUser refuses ids past int32, and so files larger than this. */
const MAX_ID = 2 ** 31 - 1
const MAX_USER_FILE_BYTES = 10 << 20

export class UserSpecError extends Error {
  override readonly name = 'UserSpecError'
}

const noUser = (name: string): UserSpecError => new UserSpecError(`unable to find user ${name}: no matching entries in passwd file`)
const noGroup = (name: string): UserSpecError => new UserSpecError(`unable to find group ${name}: no matching entries in group file`)
const outOfRange = (): UserSpecError => new UserSpecError(`uids and gids must be in range 0-${MAX_ID}`)

/**
 * The file's text, or undefined when there is none. Like moby's openUserFile, anything that is
 * not a regular file (a directory, a dangling or looping link) counts as absent.
 */
async function readUserFile(rootfs: RootfsView, path: string): Promise<string | undefined> {
  let data: Buffer | undefined
  try {
    data = await rootfs.readFile(path)
  } catch (error) {
    if (error instanceof RootfsError && error.code !== 'EFBIG') return undefined
    if (error instanceof RootfsError) throw new UserSpecError(`${path}: file exceeds ${MAX_USER_FILE_BYTES} bytes`)
    throw error
  }
  if (data && data.length > MAX_USER_FILE_BYTES) throw new UserSpecError(`${path}: file exceeds ${MAX_USER_FILE_BYTES} bytes`)
  return data?.toString('utf8')
}

const passwdOf = async (rootfs: RootfsView): Promise<PasswdEntry[]> => parsePasswd((await readUserFile(rootfs, '/etc/passwd')) ?? '')
const groupsOf = async (rootfs: RootfsView): Promise<GroupEntry[]> => parseGroup((await readUserFile(rootfs, '/etc/group')) ?? '')

export type UserSpecRule = 'chown' | 'user'

/**
 * uid and gid for `spec`, by one of BuildKit's two rules:
 *
 * 'chown' (default; COPY/ADD --chown, llb.WithUser + the file op's readUser): split at the first
 * ':'. Each part is "root" (0), a decimal id (Go ParseInt, 32-bit), empty (0) or a name. A
 * numeric user alone gives gid = uid without reading any file (`--chown=1000` is 1000:1000
 * whatever passwd says); a user name gives its uid and primary gid from /etc/passwd; a group part
 * overrides the gid, a group name through /etc/group. BuildKit silently uses 0 for a name it
 * cannot find (seen on the daemon; also for a missing /etc/passwd); this engine fails instead,
 * with runc's wording, as the reference advises. rootfs.int.test.ts checks these against BuildKit.
 *
 * 'user' (USER for RUN, BuildKit's oci.GetUser): see resolveRunUser.
 */
export async function resolveUserSpec(rootfs: RootfsView, spec: string, options: { rule?: UserSpecRule } = {}): Promise<{ uid: number; gid: number }> {
  if (options.rule === 'user') {
    const { uid, gid } = await resolveRunUser(rootfs, spec)
    return { uid, gid }
  }
  const colon = spec.indexOf(':')
  const userPart = colon < 0 ? spec : spec.slice(0, colon)
  const groupPart = colon < 0 ? '' : spec.slice(colon + 1)
  let uid = 0
  let gid = 0
  // An empty user ("" or ":grp") is id 0: llb marshals a nameless UserOpt as its zero id.
  if (userPart !== '') {
    const id = chownId(userPart)
    if (id !== undefined) {
      uid = id
      gid = id
    } else {
      const user = (await passwdOf(rootfs)).find((u) => u.name === userPart)
      if (!user) throw noUser(userPart)
      uid = user.uid
      gid = user.gid
    }
  }
  // So is an empty group: on the daemon, `--chown=app:` gives app's uid and gid 0.
  if (colon >= 0 && groupPart === '') gid = 0
  else if (groupPart !== '') {
    const id = chownId(groupPart)
    if (id !== undefined) gid = id
    else {
      const group = (await groupsOf(rootfs)).find((g) => g.name === groupPart)
      if (!group) throw noGroup(groupPart)
      gid = group.gid
    }
  }
  return { uid, gid }
}

/** llb's parseUID: "root" is 0; what Go's ParseInt(s, 10, 32) rejects is a name. */
function chownId(part: string): number | undefined {
  if (part === 'root') return 0
  if (!/^[+-]?[0-9]+$/.test(part)) return undefined
  const id = Number(part)
  if (id > MAX_ID || id < -(2 ** 31)) return undefined
  // BuildKit would pass a negative id on to chown (where -1 means "leave unchanged"): refuse it.
  if (id < 0) throw outOfRange()
  return id
}

/**
 * USER for RUN, as BuildKit's executor resolves it (oci.GetUser → moby/sys GetExecUser):
 * - "uid:gid" with both parts numeric (or "root") needs no files;
 * - otherwise the user part is looked up in /etc/passwd, a name by name and a number by uid; a
 *   name must exist, a number need not (its gid is then 0, not the uid as for --chown);
 * - a group part is looked up in /etc/group by name or gid; a name must exist;
 * - with no group part, the matched user's primary gid, plus the groups listing that user as
 *   supplementary ids;
 * - "" means root (uid 0, resolved through passwd like "0"), and never fails.
 */
export async function resolveRunUser(rootfs: RootfsView, spec: string): Promise<{ uid: number; gid: number; additionalGids: number[] }> {
  const fast = fastIds(spec)
  if (fast) return { ...fast, additionalGids: [] }
  try {
    return await execUser(rootfs, spec === '' ? '0' : spec)
  } catch (error) {
    if (spec === '' && error instanceof UserSpecError) return { uid: 0, gid: 0, additionalGids: [] }
    throw error
  }
}

/** BuildKit's ParseUIDGID: both parts present, each "root" or a decimal uint32. */
function fastIds(spec: string): { uid: number; gid: number } | undefined {
  const colon = spec.indexOf(':')
  if (colon < 0) return undefined
  const parse = (part: string): number | undefined => {
    if (part === 'root') return 0
    return /^[0-9]+$/.test(part) && Number(part) <= 0xffffffff ? Number(part) : undefined
  }
  const uid = parse(spec.slice(0, colon))
  const gid = parse(spec.slice(colon + 1))
  return uid === undefined || gid === undefined ? undefined : { uid, gid }
}

interface IdArg {
  name: string
  id: number
  numeric: boolean
}

/** GetExecUser's parseNumeric: Go's Atoi, then the int32 range check; else a name. */
function idArg(part: string): IdArg | undefined {
  if (part === '') return undefined
  if (!/^[+-]?[0-9]+$/.test(part)) return { name: part, id: 0, numeric: false }
  const id = Number(part)
  if (id < 0 || id > MAX_ID) throw outOfRange()
  return { name: part, id, numeric: true }
}

async function execUser(rootfs: RootfsView, spec: string): Promise<{ uid: number; gid: number; additionalGids: number[] }> {
  const colon = spec.indexOf(':')
  const userArg = idArg(colon < 0 ? spec : spec.slice(0, colon))
  const groupArg = idArg(colon < 0 ? '' : spec.slice(colon + 1))
  let uid = 0
  let gid = 0
  let additionalGids: number[] = []
  const user = (await passwdOf(rootfs)).find((u) => (!userArg ? u.uid === 0 : userArg.numeric ? u.uid === userArg.id : u.name === userArg.name))
  if (user) {
    uid = user.uid
    gid = user.gid
  } else if (userArg) {
    if (!userArg.numeric) throw noUser(userArg.name)
    uid = userArg.id
  }
  if (groupArg || (user?.name ?? '') !== '') {
    const groups = (await groupsOf(rootfs)).filter((g) => (!groupArg ? g.members.includes(user?.name ?? '') : groupArg.numeric ? g.gid === groupArg.id : g.name === groupArg.name))
    if (groupArg) {
      const [group] = groups
      if (group) gid = group.gid
      else if (!groupArg.numeric) throw noGroup(groupArg.name)
      else gid = groupArg.id
    } else {
      additionalGids = groups.map((g) => g.gid)
    }
  }
  return { uid, gid, additionalGids }
}
