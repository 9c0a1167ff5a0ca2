// Usage: npx tsx scripts/with-services.ts npx tsx bench/run.ts [--runs N] [--slow-runs N] [--quick] [--no-profile]
//          [--no-build-cli] [--big-mb N] [--skip W,...] [--out FILE]
// Benchmarks Layerlab against `docker build` (BuildKit) on the test Docker engine: workloads 1–4 of
// issue 9, alternating the two, reporting medians, ratios and Layerlab's peak RSS; workload 5 (a
// large image built and saved, peak RSS) and 6 (the UI in Chromium); all into docs/benchmarks.md.
import { rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { coldBuild, contextHashing, editRebuild, freshStore, noopRebuild, seedStore, startup, type Ctx, type Row } from './cases'
import { log, run } from './measure'
import { bigImage, type BigImageResult } from './big-image'
import { profileCold, profileEdit, profileNoop, type NamedProfile } from './profile'
import { uiWorkload, type UiResult } from './ui'
import { table, writeReport, type Report } from './report'
import { FULL, QUICK, prepareWorkspace } from './workloads'

interface Options {
  /** Runs of the quick workloads (1, 4); the slow ones (2, 3, 6) take min(runs, slowRuns). */
  runs: number
  slowRuns: number
  quick: boolean
  profile: boolean
  buildCli: boolean
  out: string
  /** Workload 5's data size in MiB (default 2048; --quick 256). */
  bigMb: number
  skip: Set<string>
}

function parseArgs(argv: string[], repo: string): Options {
  const o: Options = { runs: 5, slowRuns: 3, quick: false, profile: true, buildCli: true, out: path.join(repo, 'docs/benchmarks.md'), bigMb: 0, skip: new Set() }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--runs') o.runs = o.slowRuns = Number(argv[++i])
    else if (a === '--slow-runs') o.slowRuns = Number(argv[++i])
    else if (a === '--quick') o.quick = true
    else if (a === '--no-profile') o.profile = false
    else if (a === '--no-build-cli') o.buildCli = false
    else if (a === '--out') o.out = path.resolve(argv[++i] ?? '')
    else if (a === '--big-mb') o.bigMb = Number(argv[++i])
    else if (a === '--skip') for (const w of (argv[++i] ?? '').split(',')) o.skip.add(w.trim())
    else throw new Error(`unknown option ${a}`)
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer')
  if (!Number.isInteger(o.slowRuns) || o.slowRuns < 1) throw new Error('--slow-runs needs a positive integer')
  if (!Number.isInteger(o.bigMb) || o.bigMb < 0) throw new Error('--big-mb needs a whole number of MiB')
  if (o.bigMb === 0) o.bigMb = o.quick ? 256 : 2048
  for (const w of o.skip) if (!/^[1-6]$/.test(w)) throw new Error(`--skip takes workload numbers 1-6, not "${w}"`)
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
  const want = (w: number): boolean => !opts.skip.has(String(w))
  const hashing = want(4) ? await contextHashing(c) : undefined
  let profiles: NamedProfile[] = []
  let w1Store: string | undefined
  if (want(1) || want(2)) {
    const w1 = await noopRebuild(c, seed, want(1) ? opts.runs : 0)
    w1Store = w1.storeDir
    if (want(1)) rows.push(w1.warm, w1.cli)
    if (opts.profile) profiles.push(await profileNoop(c, w1.storeDir))
  }
  if (want(2) && w1Store) {
    rows.push(await editRebuild(c, w1Store, Math.min(opts.runs, opts.slowRuns)))
    if (opts.profile) profiles.push(await profileEdit(c, w1Store))
  }
  if (want(3)) {
    rows.push(await coldBuild(c, seed, Math.min(opts.runs, opts.slowRuns)))
    if (opts.profile) {
      const store = await freshStore(c, seed, 'store-w3-profile')
      profiles.push(await profileCold(c, store))
      await rm(store, { recursive: true, force: true })
    }
  }
  if (hashing) rows.push(hashing.cold, hashing.warm)
  let big: BigImageResult | undefined
  if (want(5)) {
    big = await bigImage(c, seed, opts.bigMb, 1)
    rows.push(big.build, big.save)
  }
  let ui: UiResult | undefined
  if (want(6)) {
    ui = await uiWorkload(c, seed, Math.min(opts.runs, opts.slowRuns), opts.quick ? { eventSteps: 8, dirs: 10, filesPerDir: 1000 } : undefined)
    rows.push(ui.event, ui.tree)
    if (opts.profile && ui.treeProfile) profiles.push(ui.treeProfile)
  }
  profiles = profiles.filter((p) => p.summary.top.length > 0)
  const start = await startup(c)

  const report: Report = {
    rows,
    startup: start,
    profiles,
    big: big ? { mb: opts.bigMb, archiveBytes: big.archiveBytes } : undefined,
    ui: ui ? { eventSteps: ui.eventSteps, treeEntries: ui.treeEntries, treeParts: ui.treeParts, eventParts: ui.eventParts } : undefined,
    workspace: { files: ws.files, bytes: ws.bytes, runFiles: spec.runFiles },
    runs: opts.runs,
    slowRuns: Math.min(opts.runs, opts.slowRuns),
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
