import { execFileSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { OVERLAY_SETUP_SCRIPT, overlayOptions, type SandboxTools } from './sandbox-args'

/** The PATH the sandbox's helper processes run with (never the caller's). */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The bwrap options the sandbox uses; older releases lack some (--json-status-fd, --clearenv, --perms). */
const BWRAP_OPTIONS = ['--json-status-fd', '--clearenv', '--perms', '--ro-bind-data', '--dev-bind', '--die-with-parent', '--unshare-cgroup-try', '--mqueue']

/** Absolute path of an executable found on HOST_PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of HOST_PATH.split(':')) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

const quietly = (file: string, args: string[]): string => execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, env: { PATH: HOST_PATH, LC_ALL: 'C' } })

/** What each missing tool is packaged as, for the message. */
const PACKAGES: Record<string, string> = {
  bwrap: 'bubblewrap',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  mount: 'util-linux (mount)',
  tar: 'GNU tar',
  sh: 'a POSIX shell',
  mkdir: 'coreutils',
}

/** The helper programs, or the reason they cannot be used. */
export function findSandboxTools(): SandboxTools | string {
  const found: Partial<Record<keyof SandboxTools, string>> = {}
  const missing: string[] = []
  for (const name of ['bwrap', 'unshare', 'setpriv', 'mount', 'tar', 'sh', 'mkdir'] as const) {
    const path = findExecutable(name)
    if (path) found[name] = path
    else missing.push(`${name} (${PACKAGES[name]})`)
  }
  if (missing.length > 0) return `RUN steps need ${missing.join(', ')} on this machine`
  const tools = found as SandboxTools
  try {
    const help = quietly(tools.bwrap, ['--help'])
    const lacking = BWRAP_OPTIONS.filter((option) => !help.includes(option))
    if (lacking.length > 0) return `RUN steps need a newer bubblewrap: ${tools.bwrap} lacks ${lacking.join(' ')} (0.6 or later has them)`
  } catch (error) {
    return `RUN steps need bubblewrap, but ${tools.bwrap} --help failed: ${messageOf(error)}`
  }
  try {
    if (!quietly(tools.tar, ['--version']).startsWith('tar (GNU tar)')) return `RUN steps need GNU tar (to read overlayfs attributes); ${tools.tar} is another tar`
  } catch (error) {
    return `RUN steps need GNU tar, but ${tools.tar} --version failed: ${messageOf(error)}`
  }
  return tools
}

/**
 * Mounts a throwaway overlay the way a run will, in a private mount namespace (nothing is
 * mounted where the host can see it), with upper and work dirs in `stateDir` so the probe also
 * checks that the store's filesystem can be an overlay upper. Undefined when it works.
 */
export function probeOverlay(tools: SandboxTools, stateDir: string, privileged: boolean): string | undefined {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  const dir = mkdtempSync(join(stateDir, `probe-${process.pid}-`))
  try {
    for (const sub of ['lower', 'upper', 'work']) mkdirSync(join(dir, sub))
    const options = overlayOptions([join(dir, 'lower')], join(dir, 'upper'), join(dir, 'work'), privileged)
    const namespaces = privileged ? [] : ['--user', '--map-root-user']
    quietly(tools.unshare, [...namespaces, '--mount', '--propagation', 'private', '--', tools.sh, '-c', OVERLAY_SETUP_SCRIPT, 'probe', tools.mount, tools.mkdir, options, '', 'true'])
    return undefined
  } catch (error) {
    const how = privileged ? 'mount an overlay filesystem' : 'mount an overlay filesystem in a user namespace (needs Linux 5.11+ and unprivileged user namespaces)'
    return `RUN steps cannot ${how} with upper dir on ${stateDir}: ${messageOf(error)}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function messageOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : error instanceof Error ? error.message : String(error)
  return text.trim().split('\n').slice(-3).join(' / ')
}
