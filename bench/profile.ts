// One `--cpu-prof` of the CLI no-op rebuild, summarised as the top self-time functions.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { run } from './measure'

interface ProfileNode {
  id: number
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
}

function where(url: string, line: number): string {
  if (!url) return ''
  const file = url.replace(/^file:\/\//, '')
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
  return { totalMs: total / 1000, top }
}

/** Profiles `layerlab build` (no-op) against an already warm store. */
export async function profileNoop(cliArgs: string[]): Promise<ProfileSummary> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-prof-'))
  try {
    await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...cliArgs])
    const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))
    // Worker threads write profiles too; the main thread's is the largest.
    const profiles = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile))
    profiles.sort((a, b) => b.samples.length - a.samples.length)
    if (!profiles[0]) throw new Error('no CPU profile written')
    return summarise(profiles[0])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
