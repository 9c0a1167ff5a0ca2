// Usage: npx tsx bench/forecast.ts [--quick] [--runs N]
// How long the cache forecast takes on the bench's 20,000-file context (workloads.ts): cold (no
// stat cache), warm (nothing changed since the last build), and after one source file changed.
// The base image is busybox-static installed into a scratch image by Layerlab itself, so no
// Docker engine is needed; the builds run RUN in the Linux sandbox.
import { copyFile, chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { EmbeddedBackend, forecastBuild } from '../src/engine'
import { openStore, type Store } from '../src/engine/store'
import { describeForecast } from '../src/shared/forecast-api'
import { editSource, FULL, prepareWorkspace, QUICK, restoreSource } from './workloads'

const quick = process.argv.includes('--quick')
const runsAt = process.argv.indexOf('--runs')
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5

async function buildImage(store: Store, contextDir: string, dockerfile: string, tags: string[]): Promise<void> {
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir, dockerfile, tags }, () => {})
  if (outcome.status !== 'succeeded') throw new Error(`build of ${dockerfile} ${outcome.status}`)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

async function main(): Promise<void> {
  const root = path.join(tmpdir(), 'layerlab-bench-forecast')
  const ws = await prepareWorkspace(path.join(root, 'ws'), quick ? QUICK : FULL)
  await rm(path.join(root, 'store'), { recursive: true, force: true })
  const store = await openStore(path.join(root, 'store'))

  const baseCtx = path.join(root, 'busybox')
  await mkdir(baseCtx, { recursive: true })
  await copyFile('/usr/bin/busybox', path.join(baseCtx, 'busybox'))
  await chmod(path.join(baseCtx, 'busybox'), 0o755)
  await writeFile(path.join(baseCtx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n')
  await buildImage(store, baseCtx, path.join(baseCtx, 'Dockerfile'), ['busybox:latest'])

  const request = { contextDir: ws.contextDir, dockerfile: ws.dockerfile }
  await restoreSource(ws)
  const cold = await forecastBuild(store, request)
  console.log(`cold forecast (no stat cache, ${ws.files} files): ${cold.timing.totalMs.toFixed(0)} ms, ${cold.timing.filesHashed} files read`)
  await buildImage(store, ws.contextDir, ws.dockerfile, ['bench:forecast'])

  const warm: number[] = []
  for (let i = 0; i < runs; i++) {
    const f = await forecastBuild(store, request)
    if (f.stages.some((s) => s.steps.some((step) => step.status !== 'cached'))) throw new Error('warm forecast is not all cached')
    warm.push(f.timing.totalMs)
    if (i === 0) console.log(`warm: plan ${f.timing.planMs.toFixed(0)} ms, context walk ${f.timing.contextMs.toFixed(0)} ms, keys ${f.timing.keyMs.toFixed(0)} ms, ${f.timing.filesHashed} files read`)
  }
  console.log(`warm forecast (nothing changed), median of ${runs}: ${median(warm).toFixed(0)} ms [${warm.map((t) => t.toFixed(0)).join(', ')}]`)

  const edited: number[] = []
  for (let i = 0; i < runs; i++) {
    await editSource(ws, `forecast ${i}`)
    const f = await forecastBuild(store, request)
    edited.push(f.timing.totalMs)
    if (i === 0) for (const step of f.stages.flatMap((s) => s.steps)) console.log(`  ${step.instruction.slice(0, 50).padEnd(50)} ${describeForecast(step)}`)
  }
  console.log(`forecast after one file changed, median of ${runs}: ${median(edited).toFixed(0)} ms [${edited.map((t) => t.toFixed(0)).join(', ')}]`)
  await restoreSource(ws)
}

await main()
