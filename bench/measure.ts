// Timing: wall clock with process.hrtime, peak RSS of a child through /usr/bin/time (its max
// resident set, in KiB), medians over runs.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface Sample {
  ms: number
  /** Peak RSS in MiB (the child's, or this process's so far for in-process runs). */
  rssMiB?: number
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
}

const TIME = '/usr/bin/time'
let seq = 0

/** Runs a command to completion; throws with its output when it fails. */
export async function timeChild(cmd: string, args: string[], opts: ChildOptions = {}): Promise<Sample> {
  const useTime = existsSync(TIME)
  const rssFile = path.join(os.tmpdir(), `layerlab-bench-rss-${process.pid}-${seq++}`)
  const argv = useTime ? ['-f', '%M', '-o', rssFile, cmd, ...args] : args
  const out: Buffer[] = []
  const start = process.hrtime.bigint()
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(useTime ? TIME : cmd, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => out.push(b))
    child.once('error', reject)
    child.once('close', (c) => resolve(c ?? 1))
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (code !== 0) {
    const text = Buffer.concat(out).toString('utf8')
    throw new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${text.slice(-4000)}`)
  }
  let rssMiB: number | undefined
  if (useTime) {
    const kb = Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop())
    await rm(rssFile, { force: true })
    if (Number.isFinite(kb)) rssMiB = kb / 1024
  }
  return { ms, rssMiB }
}

/** Times an in-process call; RSS is this process's peak so far (VmHWM). */
export async function timeCall(fn: () => Promise<unknown>): Promise<Sample> {
  const start = process.hrtime.bigint()
  await fn()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return { ms, rssMiB: process.resourceUsage().maxRSS / 1024 }
}

/** Runs a command for its side effect (untimed). */
export async function run(cmd: string, args: string[], opts: ChildOptions = {}): Promise<void> {
  await timeChild(cmd, args, opts)
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function medianMs(series: readonly Sample[]): number {
  return median(series.map((s) => s.ms))
}

export function peakRss(series: readonly Sample[]): number | undefined {
  const v = series.map((s) => s.rssMiB).filter((x): x is number => x !== undefined)
  return v.length ? Math.max(...v) : undefined
}

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
}
