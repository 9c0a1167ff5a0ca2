/**
 * The command line of one sandboxed run (see linux-sandbox.ts for why it looks like this):
 *
 *   setpriv --pdeathsig KILL -- unshare [--user --map-root-user] --mount --propagation private --
 *     sh -c OVERLAY_SETUP_SCRIPT  (mounts the overlay on /dev/shm of that private namespace)
 *     [setpriv --ruid U --regid G --groups ...]  (privileged: the image user's ids)
 *     bwrap --dev-bind /dev/shm / --proc /proc --dev /dev ... -- ARGS
 *
 * Pure: everything variable arrives as arguments, nothing is ever spliced into shell text.
 */

export interface SandboxTools {
  bwrap: string
  unshare: string
  setpriv: string
  mount: string
  tar: string
  sh: string
  mkdir: string
}

/** BuildKit's hostname for RUN (BUILDKIT_SANDBOX_HOSTNAME's default). */
export const SANDBOX_HOSTNAME = 'buildkitsandbox'

/** BuildKit's /etc/hosts for RUN (executor/oci/hosts.go), byte for byte as Docker 20.10 shows it. */
export const SANDBOX_HOSTS = `127.0.0.1\tlocalhost ${SANDBOX_HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`

/** What a RUN as root may do: containerd's default set, which BuildKit uses. */
export const ROOT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]

/**
 * Where the overlay is mounted inside the run's private mount namespace. It must exist on every
 * host and be reachable by any uid (bwrap resolves its sources as the image user when that is not
 * root), and the sandbox mounts its own /dev, so hiding the host's /dev/shm there costs nothing.
 */
export const ROOT_MOUNT = '/dev/shm'

/**
 * $1 mount(8), $2 mkdir(1), $3 overlay options, $4 a directory to create below the new root
 * ('' for none: WORKDIR when missing, symlinks already resolved), then the command to exec.
 */
export const OVERLAY_SETUP_SCRIPT = [
  'set -e',
  'umask 022',
  `"$1" -n -i -t overlay -o "$3" layerlab ${ROOT_MOUNT}`,
  `if [ -n "$4" ]; then "$2" -p -- "${ROOT_MOUNT}/$4"; fi`,
  'shift 4',
  'exec "$@"',
].join('\n')

/** Characters overlayfs' option parser would split a lowerdir/upperdir path on. */
const UNSAFE_OPTION_PATH = /[,:\\\n]/

/**
 * Options for an overlay whose upper dir can be turned into a layer by a plain walk: no renamed
 * directories (redirect_dir), no metadata-only copy-ups (metacopy), no inode index. Unprivileged
 * overlays keep their bookkeeping in user.overlay.* xattrs (userxattr).
 */
export function overlayOptions(lowerDirs: readonly string[], upperDir: string, workDir: string, privileged: boolean): string {
  for (const dir of [...lowerDirs, upperDir, workDir]) {
    if (UNSAFE_OPTION_PATH.test(dir)) throw new Error(`overlayfs cannot take the path ${JSON.stringify(dir)} (it contains , : or \\)`)
  }
  const extra = privileged ? 'redirect_dir=off,metacopy=off,index=off' : 'userxattr'
  return `lowerdir=${lowerDirs.join(':')},upperdir=${upperDir},workdir=${workDir},${extra}`
}

export interface SandboxPlan {
  /** Root: kernel overlay with trusted.* xattrs, any image uid. Otherwise a user namespace mapping us to root. */
  privileged: boolean
  /** Overlay lower dirs, topmost first. */
  lowerDirs: string[]
  upperDir: string
  workDir: string
  /** Relative path to create (mkdir -p) below the new root before the command starts, or ''. */
  createDir: string
  uid: number
  gid: number
  groups: number[]
  args: string[]
  /** Complete `KEY=value` list. */
  env: string[]
  cwd: string
  network: 'none' | 'host'
  /** Directories to create on the sandbox's own /dev tmpfs (parents of /dev/pipes/...), parents first. */
  devDirs: string[]
  /** Files bwrap copies from an inherited descriptor and mounts read-only at `dest`. */
  dataMounts: { fd: number; dest: string; mode: number }[]
  /** Descriptor bwrap reports child-pid and exit-code on (JSON lines). */
  statusFd: number
}

export function sandboxCommand(tools: SandboxTools, plan: SandboxPlan): { file: string; args: string[] } {
  if (plan.args.length === 0) throw new Error('RUN needs a command')
  if (!plan.privileged && (plan.uid !== 0 || plan.gid !== 0)) {
    throw new Error(`running as ${plan.uid}:${plan.gid} needs root: unprivileged RUN maps only the invoking user (as root) into the sandbox`)
  }
  const options = overlayOptions(plan.lowerDirs, plan.upperDir, plan.workDir, plan.privileged)
  const namespaces = plan.privileged ? [] : ['--user', '--map-root-user']
  const outer = [tools.setpriv, '--pdeathsig', 'KILL', '--', tools.unshare, ...namespaces, '--mount', '--propagation', 'private', '--']
  const setup = [tools.sh, '-c', OVERLAY_SETUP_SCRIPT, 'layerlab-run', tools.mount, tools.mkdir, options, plan.createDir]
  return { file: outer[0] as string, args: [...outer.slice(1), ...setup, ...identityArgs(tools, plan), ...bwrapArgs(tools, plan)] }
}

/**
 * As root, setpriv sets the image user's gid and supplementary groups, and for a non-root uid
 * only the *real* uid: bwrap, started with real uid ≠ effective uid 0, takes the setuid-install
 * path and drops to that uid itself after building the sandbox, with no capabilities left.
 */
function identityArgs(tools: SandboxTools, plan: SandboxPlan): string[] {
  if (!plan.privileged) return []
  const groups = plan.groups.length > 0 ? ['--groups', plan.groups.join(',')] : ['--clear-groups']
  const uid = plan.uid === 0 ? [] : ['--ruid', String(plan.uid)]
  return [tools.setpriv, ...uid, '--regid', String(plan.gid), ...groups, '--']
}

function bwrapArgs(tools: SandboxTools, plan: SandboxPlan): string[] {
  const args = [tools.bwrap, '--dev-bind', ROOT_MOUNT, '/', '--proc', '/proc', '--dev', '/dev']
  args.push('--perms', '1777', '--tmpfs', '/dev/shm', '--mqueue', '/dev/mqueue')
  for (const dir of plan.devDirs) args.push('--dir', dir)
  for (const mount of plan.dataMounts) args.push('--perms', (mount.mode & 0o7777).toString(8).padStart(4, '0'), '--ro-bind-data', String(mount.fd), mount.dest)
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try')
  if (plan.network === 'none') args.push('--unshare-net')
  args.push('--hostname', SANDBOX_HOSTNAME, '--die-with-parent', '--json-status-fd', String(plan.statusFd))
  args.push('--chdir', plan.cwd, '--clearenv')
  for (const pair of plan.env) {
    const eq = pair.indexOf('=')
    if (eq > 0) args.push('--setenv', pair.slice(0, eq), pair.slice(eq + 1))
  }
  // Root in the image keeps what a BuildKit RUN has; a non-root uid has none (bwrap drops them).
  if (plan.uid === 0) {
    args.push('--cap-drop', 'ALL')
    for (const cap of ROOT_CAPABILITIES) args.push('--cap-add', cap)
  }
  args.push('--', ...plan.args)
  return args
}
