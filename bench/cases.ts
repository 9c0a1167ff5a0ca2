// Workloads 1–4 of issue 9, each alternating Layerlab and BuildKit run by run (5: big-image.ts, 6: ui.ts).
import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { EmbeddedBackend, importFromDaemon, openStore } from '../src/engine'
import { openBuildContext } from '../src/engine/context'
import { log, run, timeCall, timeChild, type Sample } from './measure'
import { editSource, restoreSource, type Workspace } from './workloads'

export interface Row {
  workload: string
  layerlab: Sample[]
  buildkit: Sample[]
  /**
   * 'time': ratio Layerlab/BuildKit ≤ target; 'throughput': BuildKit/Layerlab time ≥ target;
   * 'absolute': Layerlab ms ≤ target; 'rss': Layerlab's peak RSS (MiB) ≤ target.
   */
  kind: 'time' | 'throughput' | 'absolute' | 'rss'
  target: number
  baseline: string
}

export interface Ctx {
  ws: Workspace
  runs: number
  repo: string
  dockerEnv: NodeJS.ProcessEnv
  scratch: string
}

const DOCKER = '/usr/bin/docker'
const cli = (c: Ctx) => path.join(c.repo, 'bin/layerlab.js')

function layerlabBuild(c: Ctx, store: string, dockerfile: string, tag: string, extra: string[] = []): Promise<Sample> {
  const args = [cli(c), 'build', '--store', store, '-f', dockerfile, '-t', tag, '--progress', 'plain', ...extra, c.ws.contextDir]
  return timeChild(process.execPath, args)
}

function buildkitBuild(c: Ctx, dockerfile: string, tag: string, extra: string[] = []): Promise<Sample> {
  const args = ['build', '--network=none', '--progress=plain', '-f', dockerfile, '-t', tag, ...extra, c.ws.contextDir]
  return timeChild(DOCKER, args, { env: c.dockerEnv })
}

/** A store holding only busybox:latest, imported from the test daemon. */
export async function seedStore(c: Ctx): Promise<string> {
  const dir = path.join(c.scratch, 'seed-store')
  await rm(dir, { recursive: true, force: true })
  const store = await openStore(dir)
  await importFromDaemon(store, 'busybox:latest', c.dockerEnv)
  return dir
}

export async function freshStore(c: Ctx, seed: string, name: string): Promise<string> {
  const dir = path.join(c.scratch, name)
  await rm(dir, { recursive: true, force: true })
  await cp(seed, dir, { recursive: true })
  return dir
}

/** Workload 1: no-op rebuild, warm in-process, fresh CLI, and BuildKit. */
export async function noopRebuild(c: Ctx, seed: string, runs = c.runs): Promise<{ warm: Row; cli: Row; storeDir: string }> {
  await restoreSource(c.ws)
  const storeDir = await freshStore(c, seed, 'store-w1')
  const backend = new EmbeddedBackend({ store: await openStore(storeDir) })
  const req = { contextDir: c.ws.contextDir, dockerfile: c.ws.dockerfile, tags: ['bench/w1:latest'] }
  log('w1: priming Layerlab and BuildKit caches')
  const first = await backend.build(req, () => {})
  if (first.status !== 'succeeded') throw new Error(`priming build ${first.status}`)
  await backend.build(req, () => {})
  await layerlabBuild(c, storeDir, c.ws.dockerfile, 'bench/w1:latest')
  await buildkitBuild(c, c.ws.dockerfile, 'bench/w1:latest')
  await buildkitBuild(c, c.ws.dockerfile, 'bench/w1:latest')
  const warm: Sample[] = []
  const fresh: Sample[] = []
  const bk: Sample[] = []
  for (let i = 0; i < runs; i++) {
    warm.push(await timeCall(() => backend.build(req, () => {})))
    fresh.push(await layerlabBuild(c, storeDir, c.ws.dockerfile, 'bench/w1:latest'))
    bk.push(await buildkitBuild(c, c.ws.dockerfile, 'bench/w1:latest'))
    log(`w1 run ${i + 1}: warm ${warm[i]!.ms.toFixed(0)} ms, cli ${fresh[i]!.ms.toFixed(0)} ms, buildkit ${bk[i]!.ms.toFixed(0)} ms`)
  }
  const baseline = 'docker build (BuildKit), no-op'
  return {
    warm: { workload: '1. no-op rebuild, warm process', layerlab: warm, buildkit: bk, kind: 'time', target: 0.25, baseline },
    cli: { workload: '1. no-op rebuild, fresh CLI', layerlab: fresh, buildkit: bk, kind: 'time', target: 0.5, baseline },
    storeDir,
  }
}

/** Workload 2: one source file edited; `COPY . /app/` and the two RUNs after it rebuild. */
export async function editRebuild(c: Ctx, storeDir: string, runs = c.runs): Promise<Row> {
  const ll: Sample[] = []
  const bk: Sample[] = []
  for (let i = 0; i < runs; i++) {
    await editSource(c.ws, `layerlab run ${i}`)
    ll.push(await layerlabBuild(c, storeDir, c.ws.dockerfile, 'bench/w1:latest'))
    await editSource(c.ws, `buildkit run ${i}`)
    bk.push(await buildkitBuild(c, c.ws.dockerfile, 'bench/w1:latest'))
    log(`w2 run ${i + 1}: cli ${ll[i]!.ms.toFixed(0)} ms, buildkit ${bk[i]!.ms.toFixed(0)} ms`)
  }
  await restoreSource(c.ws)
  return { workload: '2. one file edited, late COPY + 2 RUNs', layerlab: ll, buildkit: bk, kind: 'time', target: 0.5, baseline: 'docker build (BuildKit)' }
}

/** Workload 3: cold build: busybox-only store / pruned BuildKit cache, --no-cache. */
export async function coldBuild(c: Ctx, seed: string, runs = c.runs): Promise<Row> {
  const ll: Sample[] = []
  const bk: Sample[] = []
  for (let i = 0; i < runs; i++) {
    const store = await freshStore(c, seed, 'store-w3')
    ll.push(await layerlabBuild(c, store, c.ws.coldDockerfile, 'bench/w3:latest', ['--no-cache']))
    await run(DOCKER, ['builder', 'prune', '-af'], { env: c.dockerEnv })
    bk.push(await buildkitBuild(c, c.ws.coldDockerfile, 'bench/w3:latest', ['--no-cache']))
    log(`w3 run ${i + 1}: cli ${ll[i]!.ms.toFixed(0)} ms, buildkit ${bk[i]!.ms.toFixed(0)} ms`)
  }
  await rm(path.join(c.scratch, 'store-w3'), { recursive: true, force: true })
  return { workload: '3. cold build, COPY + RUN ×2', layerlab: ll, buildkit: bk, kind: 'time', target: 0.8, baseline: 'docker build --no-cache after builder prune' }
}

/** Workload 4: context hashing (in-process) against sha256sum over the same files. */
export async function contextHashing(c: Ctx): Promise<{ cold: Row; warm: Row }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-hash-'))
  const statCachePath = path.join(dir, 'stat-cache.json')
  const hash = async (): Promise<void> => {
    const ctx = await openBuildContext({ contextDir: c.ws.contextDir, statCachePath })
    await ctx.digestPath('')
    await ctx.close()
  }
  const shaArgs = ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null']
  await run('sh', shaArgs, { cwd: c.ws.contextDir }) // page cache warm for both
  const cold: Sample[] = []
  const warm: Sample[] = []
  const sha: Sample[] = []
  for (let i = 0; i < c.runs; i++) {
    await rm(statCachePath, { force: true })
    cold.push(await timeCall(hash))
    warm.push(await timeCall(hash))
    sha.push(await timeChild('sh', shaArgs, { cwd: c.ws.contextDir }))
    log(`w4 run ${i + 1}: cold ${cold[i]!.ms.toFixed(0)} ms, warm ${warm[i]!.ms.toFixed(0)} ms, sha256sum ${sha[i]!.ms.toFixed(0)} ms`)
  }
  await rm(dir, { recursive: true, force: true })
  return {
    cold: { workload: '4. context hashing, cold', layerlab: cold, buildkit: sha, kind: 'throughput', target: 0.8, baseline: 'sha256sum (one process)' },
    warm: { workload: '4. context hashing, warm (no change)', layerlab: warm, buildkit: [], kind: 'absolute', target: 100, baseline: '—' },
  }
}

/** Start-up reference points for the CLI rows. */
export async function startup(c: Ctx): Promise<{ node: Sample[]; help: Sample[] }> {
  const node: Sample[] = []
  const help: Sample[] = []
  for (let i = 0; i < c.runs; i++) {
    node.push(await timeChild(process.execPath, ['-e', '1']))
    help.push(await timeChild(process.execPath, [cli(c), '--help']))
  }
  return { node, help }
}
