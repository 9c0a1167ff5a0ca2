/**
 * RUN on Linux: the command runs in a sandbox whose root is an overlay of the parent's layers,
 * and the overlay's upper dir is the step's change set.
 *
 * Mechanism: bubblewrap, behind a private mount namespace made by util-linux.
 * - Why bubblewrap: it does the delicate part — new pid/ipc/uts/net/cgroup namespaces, a fresh
 *   /proc, a minimal /dev (null zero full random urandom tty, fd links, devpts, shm, mqueue),
 *   pivot_root with the host's root detached (nothing of the host filesystem stays reachable),
 *   loopback-only networking, a pid-1 reaper whose death kills the whole tree, capability
 *   dropping — in one small, widely packaged program (Flatpak depends on it) that also works
 *   without root in a user namespace. An OCI runtime (runc/crun) would match BuildKit even more
 *   closely but is rarely installed without Docker, needs a bundle, state dir and cgroup setup,
 *   and leaves containers behind when its caller dies; plain `unshare` + `chroot` cannot hide
 *   the host from a root process (chroot is escapable) or set supplementary groups after it.
 * - Why the overlay is mounted outside bwrap: bwrap ≤ 0.8 cannot mount overlays, and a RUN as a
 *   non-root USER needs bwrap's setuid-install mode (see below), where it would refuse them
 *   anyway. `unshare --mount --propagation private` gives the run its own mount namespace, a
 *   constant sh script mounts the overlay on /dev/shm there (reachable by any uid; bwrap makes
 *   its own /dev), and bwrap binds that as `/`. The host never sees the mount, and it vanishes
 *   with the namespace when the last process of the run exits or is killed: nothing to unmount.
 * - User switching (multi-uid images as root): bwrap's --uid needs a user namespace, which would
 *   map a single uid. Instead `setpriv` sets the image user's gid and supplementary groups and
 *   only the *real* uid; bwrap, started with real uid U and effective uid 0, takes its setuid
 *   path: it builds the sandbox with the capabilities it needs, then becomes U with none left.
 *   A RUN as root keeps BuildKit's default capability set (CAP_CHOWN, CAP_DAC_OVERRIDE, ...).
 * - As BuildKit: hostname buildkitsandbox, its /etc/hosts (the host's with host networking) and
 *   the host's /etc/resolv.conf mounted read-only, HOME/PATH defaults, a missing WORKDIR created
 *   root:root 0755 — checked entry by entry against Docker 20.10 (run-vs-buildkit.int.test.ts).
 * - Known differences: bwrap always sets no_new_privs, so setuid binaries (sudo, su) cannot raise
 *   privileges inside a RUN; /sys is not mounted; there is no seccomp filter; a non-root USER
 *   without /etc/group runs here, where BuildKit refuses it.
 *
 * Lower dirs: the parent chain materialised once as one hard-linked tree (overlay-lowers.ts),
 * plus a per-run stub dir holding missing mount points (mount-stubs.ts), so deletions and opaque
 * directories of the snapshots are honoured without writing any xattr, and runtime mount points
 * never reach the upper dir. Opaque marks in the upper dir are read with GNU tar
 * (overlay-xattrs.ts). Without root, the same pipeline runs in a user namespace mapping the
 * invoking user to root (overlay with userxattr, Linux 5.11+): single-uid builds only.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { chmod, readdir, readFile, rm } from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { Store } from '../store'
import { SandboxError, type Executor, type RunOutput, type RunResult, type RunSpec } from './executor'
import { findSandboxTools, probeOverlay } from './host-tools'
import { prepareMountPoints, type MountTarget } from './mount-stubs'
import { recalledProbe, recordProbe } from './probe-record'
import { MergedLowers, isAlive } from './overlay-lowers'
import { FIRST_DATA_FD, STATUS_FD, runSandboxProcess } from './process-tree'
import { resolveRunIdentity, runEnvironment } from './run-user'
import { SANDBOX_HOSTS, sandboxCommand, type SandboxPlan, type SandboxTools } from './sandbox-args'
import { missingWorkdir } from './workdir'

export interface LinuxSandboxOptions {
  /** Where merged lowers and run dirs live: on the snapshots' filesystem (hard links). */
  stateDir: string
  /** Force the unprivileged pipeline (user namespace) even as root; default: when not root. */
  rootless?: boolean
}

/**
 * Sandboxes that passed the probe in this process, by state dir and mode (and, across processes,
 * probe-record.ts). The app and the bench make an executor per build; probing spawns bwrap, tar
 * and an overlay mount each time, which a no-op rebuild paid for nothing. Failures are not
 * remembered: installing a tool fixes the next build.
 */
const probedTools = new Map<string, SandboxTools>()

export class LinuxSandboxExecutor implements Executor {
  private readonly privileged: boolean
  private readonly lowers: MergedLowers
  private readonly runsDir: string
  private checked: { tools?: SandboxTools; reason?: string } | undefined
  private sweptRuns = false

  /** The executor for a store: state in `<store>/tmp/exec/`, beside the snapshots. */
  static forStore(store: Pick<Store, 'paths'>, options: Omit<LinuxSandboxOptions, 'stateDir'> = {}): LinuxSandboxExecutor {
    return new LinuxSandboxExecutor({ ...options, stateDir: join(store.paths.tmp, 'exec') })
  }

  constructor(private readonly options: LinuxSandboxOptions) {
    this.privileged = !(options.rootless ?? process.getuid?.() !== 0)
    this.lowers = new MergedLowers(join(options.stateDir, 'lowers'), this.privileged)
    this.runsDir = join(options.stateDir, 'runs')
  }

  unavailableReason(): string | undefined {
    if (process.platform !== 'linux') return `RUN steps need Linux; on ${process.platform} build this Dockerfile with the Docker backend`
    const key = `${this.privileged ? 'privileged' : 'rootless'}:${this.options.stateDir}`
    const known = probedTools.get(key) ?? recalledProbe(this.options.stateDir, this.privileged)
    if (!this.checked && known) {
      this.checked = { tools: known }
      probedTools.set(key, known)
    }
    if (!this.checked) {
      const tools = findSandboxTools()
      if (typeof tools === 'string') this.checked = { reason: tools }
      else {
        const reason = probeOverlay(tools, this.options.stateDir, this.privileged)
        this.checked = reason ? { reason: this.privileged ? reason : `${reason}; or run Layerlab as root` } : { tools }
        if (!reason) {
          probedTools.set(key, tools)
          recordProbe(this.options.stateDir, this.privileged, tools)
        }
      }
    }
    return this.checked.reason
  }

  async run(spec: RunSpec, output: RunOutput, signal: AbortSignal): Promise<RunResult> {
    signal.throwIfAborted()
    const reason = this.unavailableReason()
    const tools = this.checked?.tools
    if (reason !== undefined || !tools) throw new SandboxError(reason ?? 'the RUN sandbox is unavailable')
    const identity = await resolveRunIdentity(spec.rootfs, spec.user)
    if (!this.privileged && identity.uid !== 0) {
      throw new SandboxError(`USER ${spec.user} (uid ${identity.uid}) needs root: an unprivileged build maps only its own user, as root, into the sandbox (more uids need subuid ranges and newuidmap, not supported yet)`)
    }
    const lowerDir = await this.lowers.ensure(spec.rootfs)
    signal.throwIfAborted()
    const runDir = await this.newRunDir()
    const dispose = (): Promise<void> => removeRunDir(runDir)
    const fds: number[] = []
    try {
      const cwd = posix.normalize(`/${spec.cwd}`)
      const { targets, data } = mountsFor(spec, await hostFile('/etc/hosts'), await hostFile('/etc/resolv.conf'))
      const mountable = prepareMountPoints(lowerDir, join(runDir, 'stubs'), targets, this.privileged)
      const unmountable = data.find((d) => d.inline && !d.dest.startsWith('/dev/') && !mountable.has(d.dest))
      if (unmountable) throw new SandboxError(`cannot mount the heredoc file ${unmountable.dest}: a parent in the image is not a plain directory`)
      const dataMounts: SandboxPlan['dataMounts'] = []
      for (const [i, file] of data.filter((d) => d.dest.startsWith('/dev/') || mountable.has(d.dest)).entries()) {
        const path = join(runDir, 'data', String(i))
        writeFileSync(path, file.content, { mode: 0o600 })
        fds.push(openSync(path, 'r'))
        dataMounts.push({ fd: FIRST_DATA_FD + i, dest: file.dest, mode: file.mode })
      }
      const plan: SandboxPlan = {
        privileged: this.privileged,
        lowerDirs: [join(runDir, 'stubs'), lowerDir],
        upperDir: join(runDir, 'upper'),
        workDir: join(runDir, 'work'),
        createDir: await missingWorkdir(spec.rootfs, cwd),
        uid: identity.uid,
        gid: identity.gid,
        groups: this.privileged ? identity.groups : [],
        args: spec.args,
        env: runEnvironment(spec.env, identity),
        cwd,
        network: spec.network,
        devDirs: devDirsFor(dataMounts.map((m) => m.dest)),
        dataMounts,
        statusFd: STATUS_FD,
      }
      const command = sandboxCommand(tools, plan)
      const exitCode = await runSandboxProcess(command.file, command.args, { dataFds: fds, output, signal })
      const hostRoot = this.privileged ? undefined : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
      return { exitCode, upperDir: plan.upperDir, lowerDir, ...(hostRoot ? { hostRoot } : {}), dispose }
    } catch (error) {
      await dispose()
      throw error
    } finally {
      for (const fd of fds) closeSync(fd)
    }
  }

  /** `<runs>/<pid>-<random>/{upper,work,stubs,data}`, after removing runs of dead processes. */
  private async newRunDir(): Promise<string> {
    mkdirSync(this.runsDir, { recursive: true, mode: 0o700 })
    if (!this.sweptRuns) {
      this.sweptRuns = true
      for (const name of await readdir(this.runsDir)) {
        const pid = Number(/^(\d+)-/.exec(name)?.[1])
        if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await removeRunDir(join(this.runsDir, name))
      }
    }
    const dir = join(this.runsDir, `${process.pid}-${randomBytes(6).toString('hex')}`)
    mkdirSync(dir, { mode: 0o700 })
    for (const sub of ['upper', 'work', 'stubs', 'data']) mkdirSync(join(dir, sub), { mode: sub === 'data' ? 0o700 : 0o755 })
    return dir
  }
}

interface DataFile {
  dest: string
  content: string | Buffer
  mode: number
  /** A heredoc (must be mounted) rather than a courtesy file like /etc/hosts. */
  inline: boolean
}

/**
 * Mount points, and the files bwrap mounts read-only: /etc/hosts (BuildKit's, or the host's with
 * host networking), the host's /etc/resolv.conf (BuildKit mounts it whatever the network), heredocs.
 */
function mountsFor(spec: RunSpec, hostHosts: Buffer | undefined, hostResolv: Buffer | undefined): { targets: MountTarget[]; data: DataFile[] } {
  const data: DataFile[] = []
  const hosts = spec.network === 'host' ? hostHosts : SANDBOX_HOSTS
  if (hosts !== undefined) data.push({ dest: '/etc/hosts', content: hosts, mode: 0o644, inline: false })
  if (hostResolv !== undefined) data.push({ dest: '/etc/resolv.conf', content: hostResolv, mode: 0o644, inline: false })
  for (const file of spec.inlineFiles) data.push({ dest: posix.normalize(`/${file.path}`), content: file.content, mode: file.mode ?? 0o644, inline: true })
  const targets: MountTarget[] = [
    { path: '/proc', type: 'dir' },
    { path: '/dev', type: 'dir' },
    ...data.filter((d) => !d.dest.startsWith('/dev/')).map((d) => ({ path: d.dest, type: 'file' as const })),
  ]
  return { targets, data }
}

/** Parents of /dev/... mount targets, to create on the sandbox's /dev tmpfs, parents first. */
function devDirsFor(dests: string[]): string[] {
  const dirs = new Set<string>()
  for (const dest of dests.filter((d) => d.startsWith('/dev/'))) {
    const parts = dest.split('/').filter((p) => p !== '')
    for (let i = 2; i < parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`)
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length)
}

async function hostFile(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined)
}

/** Removes a run's directory; overlayfs leaves its work/work dir mode 000 (a problem only without root). */
async function removeRunDir(dir: string): Promise<void> {
  await chmod(join(dir, 'work', 'work'), 0o700).catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
}
