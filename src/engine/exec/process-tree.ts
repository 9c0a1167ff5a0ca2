import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { SandboxError, type RunOutput } from './executor'
import { HOST_PATH } from './host-tools'

/** Descriptor numbers as the sandbox's first process sees them: 3 reports status, then the data files. */
export const STATUS_FD = 3
export const FIRST_DATA_FD = 4

/** How much of stderr a sandbox error quotes. */
const STDERR_TAIL = 4096
/** How long a killed sandbox may take to disappear before this gives up waiting. */
const TEARDOWN_TIMEOUT_MS = 10_000

export interface SandboxProcessOptions {
  /** Open descriptors handed to the child as FIRST_DATA_FD, FIRST_DATA_FD + 1, ... */
  dataFds: number[]
  output: RunOutput
  signal: AbortSignal
}

/**
 * Runs the sandbox command line and resolves with the command's exit status once every process
 * of the sandbox is gone. The child leads its own process group and bwrap puts the command in a
 * pid namespace whose init dies with its parent (--die-with-parent): killing the group kills the
 * whole tree, and the pid namespace guarantees nothing that daemonized or changed its process
 * group survives. Rejects with the abort reason when cancelled, with SandboxError when the
 * sandbox failed before the command ran (bwrap never reported an exit code).
 */
export async function runSandboxProcess(file: string, args: string[], options: SandboxProcessOptions): Promise<number> {
  const { output, signal } = options
  signal.throwIfAborted()
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', ...options.dataFds],
    detached: true,
    env: { PATH: HOST_PATH, LC_ALL: 'C' },
  })
  let sandboxInit: { pid: number; start: string } | undefined
  let exitCode: number | undefined
  let stderrTail = ''

  const stream = (name: 'stdout' | 'stderr', source: Readable | null): void => {
    const decoder = new StringDecoder('utf8')
    source?.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk)
      if (name === 'stderr') stderrTail = (stderrTail + text).slice(-STDERR_TAIL)
      if (text !== '') output(name, text)
    })
    source?.on('end', () => {
      const rest = decoder.end()
      if (rest !== '') output(name, rest)
    })
  }
  stream('stdout', child.stdout)
  stream('stderr', child.stderr)

  let status = ''
  const statusPipe = child.stdio[STATUS_FD] as Readable | null
  statusPipe?.on('data', (chunk: Buffer) => {
    status += chunk.toString('utf8')
    for (let nl = status.indexOf('\n'); nl >= 0; nl = status.indexOf('\n')) {
      const line = status.slice(0, nl).trim()
      status = status.slice(nl + 1)
      if (line === '') continue
      let report: { 'child-pid'?: unknown; 'exit-code'?: unknown }
      try {
        report = JSON.parse(line) as typeof report
      } catch {
        continue // not a status record: bwrap writes nothing else here
      }
      if (typeof report['child-pid'] === 'number') {
        const pid = report['child-pid']
        sandboxInit = { pid, start: startTime(pid) ?? '' }
        if (signal.aborted) killQuietly(pid)
      }
      if (typeof report['exit-code'] === 'number') exitCode = report['exit-code']
    }
  })

  const kill = (): void => {
    if (child.pid !== undefined) killQuietly(-child.pid)
    if (sandboxInit) killQuietly(sandboxInit.pid)
  }
  signal.addEventListener('abort', kill, { once: true })
  try {
    const closed = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }))
      child.once('close', (code) => resolve({ code }))
    })
    // bwrap's monitor is gone; its pid namespace dies with it. Wait until it has, so no process
    // of the run can still be writing when the caller reads or removes the upper dir.
    if (sandboxInit) await waitUntilGone(sandboxInit.pid, sandboxInit.start)
    if (signal.aborted) throw signal.reason
    if (closed.error) throw new SandboxError(`cannot start the sandbox (${file}): ${closed.error.message}`)
    if (exitCode !== undefined) return exitCode
    const detail = stderrTail.trim().split('\n').slice(-5).join('\n')
    throw new SandboxError(`the RUN sandbox failed before the command ran (exit status ${closed.code ?? 'none'})${detail ? `: ${detail}` : ''}`)
  } finally {
    signal.removeEventListener('abort', kill)
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks): tells a reused pid from ours. */
function startTime(pid: number): string | undefined {
  const stat = procStat(pid)
  return stat?.[19]
}

/** The fields after "(comm)" of /proc/PID/stat: [state, ppid, ...]; undefined when gone. */
function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/**
 * A pid namespace's init exits only after every other process in it has been reaped, so once it
 * is a zombie (or reaped, or its pid belongs to a newer process) the whole sandbox is gone.
 */
async function waitUntilGone(pid: number, start: string): Promise<void> {
  const deadline = Date.now() + TEARDOWN_TIMEOUT_MS
  for (let delay = 2; Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
    const stat = procStat(pid)
    if (!stat || stat[0] === 'Z' || stat[0] === 'X' || stat[19] !== start) return
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
  throw new SandboxError(`sandbox process ${pid} did not exit within ${TEARDOWN_TIMEOUT_MS / 1000}s of being killed`)
}
