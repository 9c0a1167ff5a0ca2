// The sandbox command line, as data: who sets which id, what each mode unshares, and that
// nothing variable is ever spliced into the setup script.
import { describe, expect, it } from 'vitest'
import { DEFAULT_PATH, runEnvironment } from './run-user'
import { OVERLAY_SETUP_SCRIPT, ROOT_CAPABILITIES, overlayOptions, sandboxCommand, type SandboxPlan, type SandboxTools } from './sandbox-args'

const tools: SandboxTools = { bwrap: '/B', unshare: '/U', setpriv: '/S', mount: '/M', tar: '/T', sh: '/SH', mkdir: '/MK' }
const plan: SandboxPlan = {
  privileged: true,
  lowerDirs: ['/s/stubs', '/s/lower'],
  upperDir: '/s/upper',
  workDir: '/s/work',
  createDir: 'w/x',
  uid: 0,
  gid: 0,
  groups: [10],
  args: ['/bin/sh', '-c', 'echo "$HOME"; rm -rf /'],
  env: ['A=1', 'B=x=y'],
  cwd: '/w/x',
  network: 'none',
  devDirs: ['/dev/pipes'],
  dataMounts: [{ fd: 4, dest: '/dev/pipes/EOF', mode: 0o755 }],
  statusFd: 3,
}

/** The argv split at each program: [program, ...its own options]. */
function stages(args: string[]): string[][] {
  const programs = new Set(Object.values(tools))
  const out: string[][] = []
  for (const arg of args) {
    const current = out.at(-1)
    const inSetupArgs = current?.[0] === '/SH' && current.length < 8 // sh -c SCRIPT $0 mount mkdir options dir
    if (programs.has(arg) && !inSetupArgs) out.push([arg])
    else current?.push(arg)
  }
  return out
}

describe('sandboxCommand', () => {
  it('as root: private mount namespace, overlay, groups by setpriv, BuildKit’s capabilities', () => {
    const { file, args } = sandboxCommand(tools, plan)
    expect(file).toBe('/S')
    const [outer, unshare, sh, setpriv, bwrap] = stages([file, ...args])
    expect(outer).toEqual(['/S', '--pdeathsig', 'KILL', '--'])
    expect(unshare).toEqual(['/U', '--mount', '--propagation', 'private', '--'])
    expect(sh).toEqual([
      '/SH',
      '-c',
      OVERLAY_SETUP_SCRIPT,
      'layerlab-run',
      '/M',
      '/MK',
      'lowerdir=/s/stubs:/s/lower,upperdir=/s/upper,workdir=/s/work,redirect_dir=off,metacopy=off,index=off',
      'w/x',
    ])
    expect(setpriv).toEqual(['/S', '--regid', '0', '--groups', '10', '--'])
    const b = bwrap ?? []
    expect(b.slice(0, 8)).toEqual(['/B', '--dev-bind', '/dev/shm', '/', '--proc', '/proc', '--dev', '/dev'])
    expect(b.join(' ')).toContain('--dir /dev/pipes --perms 0755 --ro-bind-data 4 /dev/pipes/EOF')
    expect(b.join(' ')).toContain('--unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try --unshare-net --hostname buildkitsandbox --die-with-parent --json-status-fd 3')
    expect(b.join(' ')).toContain('--chdir /w/x --clearenv --setenv A 1 --setenv B x=y')
    expect(b.filter((a, i) => b[i - 1] === '--cap-add')).toEqual(ROOT_CAPABILITIES)
    expect(b.slice(-4)).toEqual(['--', '/bin/sh', '-c', 'echo "$HOME"; rm -rf /'])
  })

  it('as a non-root USER: only the real uid changes, so bwrap drops to it after setup; no capabilities', () => {
    const { args } = sandboxCommand(tools, { ...plan, uid: 1000, gid: 100, groups: [], network: 'host' })
    const [, , , setpriv, bwrap] = stages(['/S', ...args])
    expect(setpriv).toEqual(['/S', '--ruid', '1000', '--regid', '100', '--clear-groups', '--'])
    expect(bwrap).not.toContain('--cap-add')
    expect(bwrap).not.toContain('--unshare-net')
  })

  it('unprivileged: a user namespace mapping us to root, userxattr, no setpriv; other uids refused', () => {
    const { args } = sandboxCommand(tools, { ...plan, privileged: false, groups: [] })
    const [, unshare, sh, next] = stages(['/S', ...args])
    expect(unshare).toEqual(['/U', '--user', '--map-root-user', '--mount', '--propagation', 'private', '--'])
    expect(sh?.[6]).toBe('lowerdir=/s/stubs:/s/lower,upperdir=/s/upper,workdir=/s/work,userxattr')
    expect(next?.[0]).toBe('/B')
    expect(() => sandboxCommand(tools, { ...plan, privileged: false, uid: 1000 })).toThrow(/needs root/)
  })

  it('refuses paths overlayfs would split, and an empty command', () => {
    expect(() => overlayOptions(['/a,b'], '/u', '/w', true)).toThrow(/cannot take the path/)
    expect(() => overlayOptions(['/a'], '/u:x', '/w', true)).toThrow(/cannot take the path/)
    expect(() => sandboxCommand(tools, { ...plan, args: [] })).toThrow(/needs a command/)
  })

  it('keeps the setup script constant: every value arrives as a positional parameter', () => {
    expect(OVERLAY_SETUP_SCRIPT).not.toMatch(/\$\{?[A-Za-z_]/)
    expect(OVERLAY_SETUP_SCRIPT).toContain('exec "$@"')
  })
})

describe('runEnvironment', () => {
  it('keeps the order, lets a later duplicate win, and adds PATH and HOME only when missing', () => {
    expect(runEnvironment(['B=1', 'A=2', 'B=3', 'junk', '=x'], { home: '/root' })).toEqual(['A=2', 'B=3', `PATH=${DEFAULT_PATH}`, 'HOME=/root'])
    expect(runEnvironment(['HOME=/h', 'PATH=/p'], { home: '/root' })).toEqual(['HOME=/h', 'PATH=/p'])
  })
})
