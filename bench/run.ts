// Usage: npx tsx scripts/with-services.ts npx tsx bench/run.ts [--runs N] [--quick] [--no-profile] [--no-build-cli] [--out FILE]
// Benchmarks Layerlab against `docker build` (BuildKit) on the test Docker engine: workloads 1–4 of
// issue 9, alternating the two, reporting medians, ratios and Layerlab's peak RSS into
// docs/benchmarks.md. Workloads 5 (2 GB image) and 6 (UI) are not measured yet.
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { coldBuild, contextHashing, editRebuild, noopRebuild, seedStore, startup, type Ctx, type Row } from './cases'
import { log, run } from './measure'
import { profileNoop } from './profile'
import { table, writeReport, type Report } from './report'
import { FULL, QUICK, prepareWorkspace } from './workloads'

interface Options {
  runs: number
  quick: boolean
  profile: boolean
  buildCli: boolean
  out: string
}

function parseArgs(argv: string[], repo: string): Options {
  const o: Options = { runs: 5, quick: false, profile: true, buildCli: true, out: path.join(repo, 'docs/benchmarks.md') }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--runs') o.runs = Number(argv[++i])
    else if (a === '--quick') o.quick = true
    else if (a === '--no-profile') o.profile = false
    else if (a === '--no-build-cli') o.buildCli = false
    else if (a === '--out') o.out = path.resolve(argv[++i] ?? '')
    else throw new Error(`unknown option ${a}`)
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer')
  return o
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint()
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const opts = parseArgs(process.argv.slice(2), repo)
  const dockerHost = process.env.LAYERLAB_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST
  if (!dockerHost) {
    throw new Error('no test Docker engine: run through `npx tsx scripts/with-services.ts npx tsx bench/run.ts`')
  }
  const dockerEnv = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '1' }
  const spec = opts.quick ? QUICK : FULL
  const scratch = path.join(os.tmpdir(), `layerlab-bench-${opts.quick ? 'quick' : 'full'}`)

  if (opts.buildCli) {
    log('bundling the CLI (node scripts/build-cli.mjs)')
    await run(process.execPath, ['scripts/build-cli.mjs'], { cwd: repo })
  }
  log(`generating ${spec.files} files under ${scratch}`)
  const ws = await prepareWorkspace(path.join(scratch, 'ws'), spec)
  log(`context: ${ws.files} files, ${(ws.bytes / 1e6).toFixed(0)} MB`)
  await new Promise((r) => setTimeout(r, 2100)) // past the stat cache's racy window
  const c: Ctx = { ws, runs: opts.runs, repo, dockerEnv, scratch }

  const seed = await seedStore(c)
  const rows: Row[] = []
  const hashing = await contextHashing(c)
  const w1 = await noopRebuild(c, seed)
  rows.push(w1.warm, w1.cli)
  let profile
  if (opts.profile) {
    log('profiling one CLI no-op rebuild')
    profile = await profileNoop([
      path.join(repo, 'bin/layerlab.js'), 'build', '--store', w1.storeDir, '-f', ws.dockerfile, '-t', 'bench/w1:latest', '--progress', 'plain', ws.contextDir,
    ])
  }
  rows.push(await editRebuild(c, w1.storeDir))
  rows.push(await coldBuild(c, seed))
  rows.push(hashing.cold, hashing.warm)
  const start = await startup(c)

  const report: Report = {
    rows,
    startup: start,
    profile,
    workspace: { files: ws.files, bytes: ws.bytes, runFiles: spec.runFiles },
    runs: opts.runs,
    quick: opts.quick,
    command: `npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    elapsedS: Number(process.hrtime.bigint() - started) / 1e9,
  }
  await writeReport(opts.out, path.join(repo, 'bench/notes.md'), report)
  process.stdout.write(`${table(rows)}\n\nwritten to ${path.relative(repo, opts.out)}\n`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
