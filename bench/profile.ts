// `--cpu-prof` of CLI builds (the no-op rebuild and the one-file edit), summarised as the top
// self-time functions, a breakdown by kind of work, and (with --progress json) each step's time.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Ctx } from './cases'
import { log } from './measure'
import { editSource, restoreSource } from './workloads'

interface ProfileNode {
  id: number
  children?: number[]
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileSummary {
  totalMs: number
  top: { name: string; where: string; selfMs: number; share: number }[]
  /** Self time by kind of work (see `category`), largest first. */
  categories: { name: string; selfMs: number; share: number }[]
  /** Layerlab functions by total time (their callees included): the steps of the work. */
  inclusive: { name: string; where: string; totalMs: number; share: number }[]
}

export interface NamedProfile {
  title: string
  wallMs: number
  summary: ProfileSummary
  /** Step durations from the build's `--progress json` events. */
  steps: { instruction: string; status: string; ms: number }[]
}

/** A coarse kind of work for one profile frame, so the report can say where the time goes. */
export function category(name: string, url: string): string {
  if (name === '(garbage collector)') return 'garbage collection'
  if (name === '(idle)' || name === '(program)') return name === '(idle)' ? 'idle (waiting on I/O, children, threads)' : 'V8/native (unattributed)'
  if (/^(compile|wrapSafe|parseCJS|compileFunction|compileSourceTextModule|compileForInternalLoader|readPackageScope|resolve|link|instantiate)/i.test(name) || (url.startsWith('node:internal/modules') && !name))
    return 'module loading and compilation'
  if (/^(lstat|stat|readdir|readlink|open|close|read|write|realpath|fstat|rename|mkdir|unlink|rm|access|utimes|chmod|chown|copyFile)(Sync)?$/.test(name)) return 'filesystem calls'
  if (/^(spawnSync|spawn|execFileSync|fork)$/.test(name)) return 'child processes'
  if (/^(update|digest|createHash|hash)$/i.test(name) || /Hash/.test(name)) return 'hashing'
  if (/^(JSON\.parse|parse|stringify|JSON\.stringify)$/.test(name)) return 'JSON'
  if (url.includes('/node_modules/')) return 'dependencies'
  if (url.startsWith('node:')) return 'node internals'
  return 'Layerlab code'
}

/** The bundle's `// src/…` comments: which source file each line of out/cli/index.js (or a chunk of it) came from. */
const bundleMaps = new Map<string, { line: number; file: string }[]>()
function bundleSource(file: string, line: number): string | undefined {
  let marks = bundleMaps.get(file)
  if (marks === undefined) {
    marks = []
    try {
      readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
        const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text)
        if (m?.[1]) marks!.push({ line: i, file: m[1].replace(/^node_modules\//, '') })
      })
    } catch {
      // no bundle to read: plain file:line
    }
    bundleMaps.set(file, marks)
  }
  let best: string | undefined
  for (const m of marks) {
    if (m.line > line) break
    best = m.file
  }
  return best
}

function where(url: string, line: number): string {
  if (!url) return ''
  const file = url.replace(/^file:\/\//, '')
  if (file.includes('/out/cli/') && file.endsWith('.js')) {
    const src = bundleSource(file, line)
    if (src) return `${src} (bundle:${line + 1})`
  }
  const short = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + 14) : path.basename(file)
  return `${short}:${line + 1}`
}

export function summarise(profile: CpuProfile, limit = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, { name: string; where: string; us: number }>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    total += us
    const frame = byId.get(id)?.callFrame
    const name = frame?.functionName || '(anonymous)'
    const at = frame ? where(frame.url, frame.lineNumber) : ''
    const key = `${name}@${at}`
    const entry = self.get(key) ?? { name, where: at, us: 0 }
    entry.us += us
    self.set(key, entry)
  })
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total ? e.us / total : 0 }))
  const byCategory = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    const cat = category(frame?.functionName ?? '', frame?.url ?? '')
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const categories = [...byCategory.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: total ? us / total : 0 }))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const incl = new Map<string, { name: string; where: string; us: number }>()
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame
      if (!f || !(f.url.includes('/out/cli/') || f.url.includes('/src/engine/')) || !f.functionName) continue
      const at = where(f.url, f.lineNumber)
      const key = `${f.functionName}@${at}`
      if (seen.has(key)) continue
      seen.add(key)
      const e = incl.get(key) ?? { name: f.functionName, where: at, us: 0 }
      e.us += profile.timeDeltas[i] ?? 0
      incl.set(key, e)
    }
  })
  const inclusive = [...incl.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, totalMs: e.us / 1000, share: total ? e.us / total : 0 }))
  return { totalMs: total / 1000, top, categories, inclusive }
}

/** Runs `node --cpu-prof bin/layerlab.js build --progress json …` and summarises the main thread. */
async function profileBuild(c: Ctx, title: string, store: string, tag: string, dockerfile = c.ws.dockerfile, extra: string[] = []): Promise<NamedProfile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-prof-'))
  try {
    const args = ['--cpu-prof', '--cpu-prof-dir', dir, path.join(c.repo, 'bin/layerlab.js'), 'build', '--store', store, '-f', dockerfile, '-t', tag, '--progress', 'json', ...extra, c.ws.contextDir]
    const started = process.hrtime.bigint()
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      child.once('error', reject)
      child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`profiled build exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`))))
    })
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6
    const steps: NamedProfile['steps'] = []
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        const e = JSON.parse(line) as { type?: string; instruction?: string; status?: string; durationMs?: number }
        if (e.type === 'step-finished' && e.instruction !== undefined) steps.push({ instruction: e.instruction, status: e.status ?? '', ms: e.durationMs ?? 0 })
      } catch {
        // not an event line
      }
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))
    // Worker threads write profiles too; the main thread's is the largest.
    const profiles = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile))
    profiles.sort((a, b) => b.samples.length - a.samples.length)
    if (!profiles[0]) throw new Error('no CPU profile written')
    return { title, wallMs, summary: summarise(profiles[0]), steps }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Profiles `fn` in this process with the inspector (for engine calls the bench makes itself). */
export async function profileInProcess(title: string, fn: () => Promise<unknown>): Promise<NamedProfile> {
  const { Session } = await import('node:inspector')
  const session = new Session()
  session.connect()
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))))
  try {
    await post('Profiler.enable')
    await post('Profiler.setSamplingInterval', { interval: 500 })
    await post('Profiler.start')
    const started = process.hrtime.bigint()
    await fn()
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6
    const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop')
    return { title, wallMs, summary: summarise(profile), steps: [] }
  } finally {
    session.disconnect()
  }
}

/** Workload 1's no-op rebuild, against its already warm store. */
export function profileNoop(c: Ctx, store: string): Promise<NamedProfile> {
  log('profiling one CLI no-op rebuild (workload 1)')
  return profileBuild(c, 'workload 1, no-op rebuild (CLI)', store, 'bench/w1:latest')
}

/** Workload 3's cold build, into `store` (a fresh store holding only the base image). */
export function profileCold(c: Ctx, store: string): Promise<NamedProfile> {
  log('profiling one CLI cold build (workload 3)')
  return profileBuild(c, 'workload 3, cold build (CLI)', store, 'bench/w3:latest', c.ws.coldDockerfile, ['--no-cache'])
}

/** Workload 2's one-file edit. */
export async function profileEdit(c: Ctx, store: string): Promise<NamedProfile> {
  log('profiling one CLI rebuild after a one-file edit (workload 2)')
  await editSource(c.ws, 'profiled run')
  try {
    return await profileBuild(c, 'workload 2, one file edited (CLI)', store, 'bench/w1:latest')
  } finally {
    await restoreSource(c.ws)
  }
}
