// Process plumbing shared by the test services: long-running daemons, one-shot commands, and the
// clean-up that has to happen after a daemon is gone (stray children, leftover mounts).
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { readFile, readdir, readlink, rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

export type Log = (line: string) => void

export interface Daemon {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Settles (never rejects) once the process is gone, with a description such as "exit code 1". */
  readonly exited: Promise<string>
  hasExited(): boolean
  /** SIGTERM, then SIGKILL to the whole process group if it is still alive after graceMs. */
  stop(graceMs: number): Promise<void>
}

// Daemons still running, so a parent that exits without calling stop() does not strand them.
const running = new Set<Daemon>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Only synchronous work is possible in 'exit': ask politely and let each daemon clean up after
  // itself (dockerd takes its containerd down on SIGTERM; SIGKILL would strand it). The temp dir
  // cannot be removed from here, which is why callers should still call stop().
  process.on('exit', () => {
    for (const d of running) {
      try {
        process.kill(d.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
  })
}

export async function spawnDaemon(name: string, cmd: string, args: string[], logFile: string): Promise<Daemon> {
  const fd = openSync(logFile, 'a')
  let child
  try {
    // detached: the daemon gets its own process group, so a terminal Ctrl-C reaches only us and we
    // decide the shutdown order. Writing straight to a file descriptor (no pipes) plus unref()
    // means the daemon holds no handle in our event loop: a script that forgets stop() still ends.
    child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] })
  } finally {
    closeSync(fd)
  }
  child.unref()

  let gone = false
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => {
      gone = true
      resolve(`failed to start: ${err.message}`)
    })
    child.once('exit', (code, signal) => {
      gone = true
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`)
    })
  })
  if (child.pid === undefined) {
    // spawn reports ENOENT/EACCES asynchronously and leaves pid unset
    throw new Error(`${name}: ${await exited} (${cmd})`)
  }
  const pid = child.pid

  const daemon: Daemon = {
    name,
    pid,
    logFile,
    exited,
    hasExited: () => gone,
    async stop(graceMs) {
      if (!gone) {
        signal(pid, 'SIGTERM')
        if (!(await settlesWithin(exited, graceMs))) {
          signal(-pid, 'SIGKILL')
          signal(pid, 'SIGKILL')
          await settlesWithin(exited, 5_000)
        }
      }
      running.delete(daemon)
    },
  }
  running.add(daemon)
  void exited.then(() => running.delete(daemon))
  installExitHook()
  return daemon
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // ESRCH: it is already gone, which is what we wanted
  }
}

/** True if p settled within ms. The timer is cancelled so it does not hold the event loop. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  const ac = new AbortController()
  const timer = sleep(ms, false, { signal: ac.signal }).catch(() => false)
  const settled = await Promise.race([p.then(() => true, () => true), timer])
  ac.abort()
  return settled
}

/** The last lines of a daemon log, minus dockerd's gRPC chatter which never explains a failure. */
export async function logTail(file: string, lines = 25): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: Error) => `(cannot read ${file}: ${err.message})`)
  const useful = text.split('\n').filter((l) => l.trim() !== '' && !l.includes('module=grpc'))
  return useful.slice(-lines).join('\n')
}

/** Runs a command to completion; on failure the error carries the command and its output's tail. */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; log?: Log; tailLines?: number } = {},
): Promise<string> {
  const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let output = ''
  let partial = ''
  const onChunk = (chunk: Buffer, isStdout: boolean): void => {
    const text = chunk.toString()
    if (isStdout) stdout += text
    output += text
    if (opts.log) {
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) if (l.trim()) opts.log(l)
    }
  }
  child.stdout.on('data', (c: Buffer) => onChunk(c, true))
  child.stderr.on('data', (c: Buffer) => onChunk(c, false))
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; err?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, err }))
    child.once('close', (code, sig) => resolve({ code, signal: sig }))
  })
  if (opts.log && partial.trim()) opts.log(partial)
  if (outcome.err || outcome.code !== 0) {
    const why = outcome.err?.message ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.code}`)
    const tail = output.trimEnd().split('\n').slice(-(opts.tailLines ?? 20)).join('\n')
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed (${why})${tail ? `:\n${tail}` : ''}`)
  }
  return stdout
}

/**
 * SIGKILLs every process that belongs to one of dirs: its command line mentions it (containerd,
 * containerd-shim), or it lives in a mount namespace whose root filesystem is built from it
 * (container processes: their root is an overlay2 mount whose layers sit under the data root).
 * Only our temp dirs are passed, so nothing else is touched.
 */
export async function killProcessesUnder(dirs: string[]): Promise<number[]> {
  const mentions = (text: string): boolean => dirs.some((d) => text.includes(d))
  const ownMountNs = await readlink('/proc/self/ns/mnt').catch(() => '')
  const killed: number[] = []
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    let ours = mentions(cmdline)
    if (!ours && (await readlink(`/proc/${pid}/ns/mnt`).catch(() => ownMountNs)) !== ownMountNs) {
      // readlink(/proc/PID/root) just says "/" across namespaces; the root mount's options don't.
      const mountinfo = await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => '')
      const rootMount = mountinfo.split('\n').find((line) => line.split(' ')[4] === '/')
      ours = rootMount !== undefined && mentions(rootMount)
    }
    if (ours) {
      const sockets = await shimSocketsOf(pid)
      signal(pid, 'SIGKILL')
      killed.push(pid)
      await settlesWithin(waitForExit(pid), 2_000)
      // A killed containerd-shim cannot remove its socket in the host-wide /run/containerd/s.
      for (const socket of sockets) await rm(socket, { force: true })
    }
  }
  return killed
}

const SHIM_SOCKET_DIR = '/run/containerd/s/'

/** The unix sockets a process listens on in containerd's shim socket directory. */
async function shimSocketsOf(pid: number): Promise<string[]> {
  const inodes = new Set<string>()
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
    if (inode) inodes.add(inode)
  }
  if (inodes.size === 0) return []
  const table = await readFile(`/proc/${pid}/net/unix`, 'utf8').catch(() => '')
  const paths: string[] = []
  for (const line of table.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const cols = line.trim().split(/\s+/)
    const path = cols[7]
    if (cols[6] !== undefined && inodes.has(cols[6]) && path?.startsWith(SHIM_SOCKET_DIR)) paths.push(path)
  }
  return paths
}

async function waitForExit(pid: number): Promise<void> {
  // Zombies still have a /proc entry, but by then the kernel has closed their sockets.
  while ((await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).match(/^\d+ \(.*\) [^Z]/s)) {
    await sleep(20)
  }
}

/** Unmounts everything mounted at or below dir, deepest first (overlay2 layers, netns, shm). */
export async function unmountUnder(dir: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  const targets = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    // mountinfo escapes space, tab, newline and backslash as octal
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length)
  for (const target of targets) {
    await run('umount', [target]).catch(() => run('umount', ['-l', target]).catch(() => undefined))
  }
  return targets
}
