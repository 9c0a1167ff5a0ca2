import { RootfsError, parsePasswd, resolveRunUser, type RootfsView } from '../rootfs'

/** BuildKit's (and Docker's) PATH when the image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface RunIdentity {
  uid: number
  gid: number
  /** Supplementary groups exactly as runc sets them: the /etc/group entries listing the user. */
  groups: number[]
  /** The user's home from /etc/passwd ('/' when it has no entry), runc's HOME default. */
  home: string
}

/**
 * USER for a RUN, as BuildKit resolves it (resolveRunUser: names, uids, `uid:gid`, groups from
 * the image's /etc/passwd and /etc/group), plus the home directory runc exports as HOME.
 */
export async function resolveRunIdentity(rootfs: RootfsView, user: string): Promise<RunIdentity> {
  const { uid, gid, additionalGids } = await resolveRunUser(rootfs, user)
  const userPart = user.includes(':') ? user.slice(0, user.indexOf(':')) : user
  const byName = userPart !== '' && !/^[0-9]+$/.test(userPart)
  const entries = parsePasswd((await readSmallFile(rootfs, '/etc/passwd')) ?? '')
  const entry = entries.find((e) => (byName ? e.name === userPart : e.uid === uid))
  return { uid, gid, groups: [...new Set(additionalGids)], home: entry ? entry.home : '/' }
}

async function readSmallFile(rootfs: RootfsView, path: string): Promise<string | undefined> {
  try {
    return (await rootfs.readFile(path))?.toString('utf8')
  } catch (error) {
    if (error instanceof RootfsError) return undefined
    throw error
  }
}

/**
 * The command's environment: the spec's pairs in order (a later duplicate wins, as in a shell),
 * then PATH and HOME when the spec has none, as BuildKit's executor and runc add them.
 */
export function runEnvironment(env: readonly string[], identity: Pick<RunIdentity, 'home'>): string[] {
  const values = new Map<string, string>()
  for (const pair of env) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const key = pair.slice(0, eq)
    values.delete(key) // re-insert: the last assignment decides both value and place
    values.set(key, pair.slice(eq + 1))
  }
  if (!values.has('PATH')) values.set('PATH', DEFAULT_PATH)
  if (!values.has('HOME')) values.set('HOME', identity.home)
  return [...values].map(([key, value]) => `${key}=${value}`)
}
