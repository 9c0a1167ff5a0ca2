// Writes docs/benchmarks.md: machine, commands, the results table, raw runs and the profile.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import os from 'node:os'
import { median, medianMs, peakRss, type Sample } from './measure'
import type { NamedProfile } from './profile'
import type { EventTiming, TreeTiming } from './ui'
import type { Row } from './cases'

export interface Report {
  rows: Row[]
  startup: { node: Sample[]; help: Sample[] }
  profiles: NamedProfile[]
  /** Workload 5's data size and the size of the archive `layerlab save` wrote. */
  big?: { mb: number; archiveBytes: number }
  /** Workload 6's shape, and the tree's first paint split at the engine's reply. */
  ui?: { eventSteps: number; treeEntries: number; treeParts: TreeTiming[]; eventParts: EventTiming[] }
  workspace: { files: number; bytes: number; runFiles: number }
  runs: number
  /** Runs of workloads 2, 3 and 6. */
  slowRuns: number
  quick: boolean
  command: string
  elapsedS: number
}

const fmt = (ms: number) => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`) : '—')
const mib = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(0)} MiB`)

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

export function machine(): string[] {
  const server = sh('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'])
  const client = sh('/usr/bin/docker', ['version', '--format', '{{.Client.Version}}'])
  const cpu = os.cpus()[0]?.model ?? 'unknown'
  return [
    `- CPUs: ${sh('nproc', [])} (${cpu})`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- kernel: ${os.release()}`,
    `- node: ${process.version}`,
    `- docker: client ${client}, engine ${server} (the private test engine of scripts/with-services.ts)`,
    `- load average when the report was written: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min; other work on the machine skews the timings)`,
  ]
}

function rowLine(r: Row): string {
  const ll = medianMs(r.layerlab)
  const bk = medianMs(r.buildkit)
  let ratio: string
  let met: boolean
  let target: string
  if (r.kind === 'rss') {
    const peak = peakRss(r.layerlab)
    met = peak !== undefined && peak <= r.target
    return `| ${r.workload} | ${fmt(ll)} | — | — | peak RSS ≤ ${r.target} MiB | ${met ? 'met' : '**missed**'} | **${mib(peak)}** |`
  } else if (r.kind === 'absolute') {
    ratio = '—'
    met = ll <= r.target
    target = `≤ ${r.target} ms`
  } else if (r.kind === 'throughput') {
    const x = bk / ll // Layerlab's throughput as a multiple of sha256sum's
    ratio = `${x.toFixed(2)}× throughput`
    met = x >= r.target
    target = `≥ ${r.target}× throughput`
  } else {
    const x = ll / bk
    ratio = `${x.toFixed(2)}×`
    met = x <= r.target
    target = `≤ ${r.target}×`
  }
  return `| ${r.workload} | ${fmt(ll)} | ${fmt(bk)} | ${ratio} | ${target} | ${met ? 'met' : '**missed**'} | ${mib(peakRss(r.layerlab))} |`
}

export function table(rows: Row[]): string {
  return [
    '| workload | Layerlab (median) | baseline (median) | ratio | target | | Layerlab peak RSS |',
    '|---|---:|---:|---:|---|---|---:|',
    ...rows.map(rowLine),
  ].join('\n')
}

function uiSection(r: Report): string[] {
  const parts = r.ui?.treeParts ?? []
  const events = r.ui?.eventParts ?? []
  const out: string[] = []
  if (events.length > 0) {
    const med = (f: (t: EventTiming) => number) => median(events.map(f))
    out.push(
      '### workload 6, build events',
      '',
      `Of the event → painted median, ${fmt(med((t) => t.deliveryMs))} (median) pass between the engine stamping a step-started event and its ` +
        `WebSocket message reaching the page (the serve process's event loop and the socket), and ${fmt(med((t) => t.paintMs))} between arrival and ` +
        'the frame that shows it (the batching of events, React\'s render, layout and paint, up to a frame of waiting). ' +
        `Slowest of ${events.length}: ${fmt(Math.max(...events.map((t) => t.deliveryMs + t.paintMs)))}.`,
      '',
    )
  }
  if (parts.length === 0) return out
  const med = (f: (t: TreeTiming) => number) => median(parts.map(f))
  return [
    ...out,
    '### workload 6, the layer file tree',
    '',
    `First paint of the ${r.ui!.treeEntries.toLocaleString('en')}-entry layer, medians: ${fmt(med((t) => t.ms))} from the click, of which ` +
      `${fmt(med((t) => t.engineMs))} until the engine's \`layerFileTable\` reply arrived (reading the layer's cached table, or diffing the image's layers, ` +
      `${(med((t) => t.bytes) / 1e6).toFixed(1)} MB of JSON over the WebSocket) and ${fmt(med((t) => t.renderMs))} from the reply to the first rows painted ` +
      '(parsing it, building the tree, the virtualised list\'s first render).',
    '',
  ]
}

function profileSection(p: NamedProfile): string[] {
  const slow = [...p.steps].sort((a, b) => b.ms - a.ms).slice(0, 5)
  return [
    `### ${p.title}`,
    '',
    `Wall time ${fmt(p.wallMs)} with the profiler on; main thread ${fmt(p.summary.totalMs)} sampled.` +
      (slow.length ? ` Slowest steps: ${slow.map((s) => `\`${s.instruction}\` ${fmt(s.ms)} (${s.status})`).join(', ')}.` : ''),
    '',
    'By kind of work (self time):',
    '',
    '| kind | self | share |',
    '|---|---:|---:|',
    ...p.summary.categories.map((c) => `| ${c.name} | ${c.selfMs.toFixed(0)} ms | ${(c.share * 100).toFixed(1)}% |`),
    '',
    'Layerlab functions by total time (callees included; nested calls overlap):',
    '',
    '| function | where | total | share |',
    '|---|---|---:|---:|',
    ...p.summary.inclusive.map((t) => `| \`${t.name}\` | ${t.where} | ${t.totalMs.toFixed(0)} ms | ${(t.share * 100).toFixed(1)}% |`),
    '',
    'Top functions (self time):',
    '',
    '| function | where | self | share |',
    '|---|---|---:|---:|',
    ...p.summary.top.map((t) => `| \`${t.name}\` | ${t.where} | ${t.selfMs.toFixed(1)} ms | ${(t.share * 100).toFixed(1)}% |`),
    '',
  ]
}

export async function writeReport(file: string, notesFile: string, r: Report): Promise<string> {
  const raw = r.rows.map(
    (row) =>
      `- ${row.workload}: Layerlab ${row.layerlab.map((s) => s.ms.toFixed(0)).join(', ')} ms; ` +
      `${row.baseline} ${row.buildkit.map((s) => s.ms.toFixed(0)).join(', ') || '—'} ms`,
  )
  const prof = r.profiles.length ? r.profiles.flatMap(profileSection) : ['(not profiled in this run)']
  const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8').trim() : ''
  const text = [
    '# Benchmarks: Layerlab against BuildKit',
    '',
    `Generated by \`bench/run.ts\` on ${new Date().toISOString()} (${r.runs} runs of workloads 1 and 4, ${r.slowRuns} of 2, 3 and 6, one of 5; Layerlab and BuildKit alternating` +
      `${r.quick ? ', **--quick** workload' : ''}; the whole run took ${r.elapsedS.toFixed(0)} s). Issue 9 has the workloads and targets.`,
    'Benchmarks are not tests: nothing asserts a time.',
    '',
    '## Machine',
    '',
    ...machine(),
    '',
    '## Commands',
    '',
    '```sh',
    'node scripts/build-cli.mjs          # the CLI bundle the fresh-process rows run',
    'npm run bench    # = npx tsx scripts/with-services.ts npx tsx bench/run.ts: full workloads, 5 runs (3 of the slow ones), ~7 min on the machine below',
    `# this run: ${r.command}`,
    'npx tsx scripts/with-services.ts npx tsx bench/run.ts --quick --runs 3   # a smoke run (~3 min)',
    '# options: --runs N (all workloads), --slow-runs N (2, 3, 6; default 3), --quick, --big-mb N (workload 5 size, default 2048), --skip 5,6, --no-profile, --no-build-cli, --out FILE',
    '```',
    '',
    `Context: ${r.workspace.files.toLocaleString('en')} files, ${(r.workspace.bytes / 1e6).toFixed(0)} MB, generated from a seeded PRNG (\`bench/workloads.ts\`).`,
    'BuildKit runs as `/usr/bin/docker build --network=none` with `DOCKER_BUILDKIT=1` against the test engine;',
    `Layerlab's fresh-process rows run \`node bin/layerlab.js build --store DIR …\`; the cold build's RUN writes ${r.workspace.runFiles.toLocaleString('en')} files and the next deletes half.`,
    '',
    '## Results',
    '',
    table(r.rows),
    '',
    ...(r.big
      ? [
          `Workload 5: ${r.big.mb.toLocaleString('en')} MiB of PRNG data (incompressible) in the context; \`FROM busybox\`, \`COPY data/ /data/\`, a RUN reading every byte back, built with \`--no-cache\` into a fresh store, then \`layerlab save -o FILE\` (${(r.big.archiveBytes / 2 ** 20).toFixed(0)} MiB archive); peak RSS is each CLI process's max RSS. One run (it is a memory bound, not a race).`,
        ]
      : []),
    ...(r.ui ? [`Workload 6: \`layerlab serve\` with a store holding busybox, driven in Chromium (\`/usr/bin/chromium\`, headless) by Playwright through the UI: a build of ${r.ui.eventSteps} timed \`RUN … && sleep 0.3\` steps and a RUN writing ${r.ui.treeEntries.toLocaleString('en')} entries (directories of 1,000 empty files). Event → painted: per step, the page's time after the frame that first shows the step leaving "pending" (requestAnimationFrame, then a task) minus the \`time\` the engine stamped on its step-started event (one clock; one sample per step). Tree: from clicking the big layer's row to its first file rows painted (the layer's file list is read by the engine and sent over the WebSocket in that time).`] : []),
    `Start-up for scale: \`node -e 1\` ${fmt(medianMs(r.startup.node))}, \`layerlab --help\` ${fmt(medianMs(r.startup.help))} (medians).`,
    'Peak RSS: fresh-process rows are the CLI process\'s max RSS (`/usr/bin/time`); in-process rows (warm, hashing) are the bench process\'s peak so far, an upper bound.',
    'Workload 4 compares throughput: the ratio is sha256sum\'s time over Layerlab\'s (≥ 1 means Layerlab is faster).',
    '',
    '### Raw runs',
    '',
    ...raw,
    '',
    '## Where the time goes',
    '',
    'Generated from `node --cpu-prof` runs of the CLI taken by this benchmark (main thread; zlib and the',
    'hashing workers run on other threads, so their time shows here as idle), each step\'s `durationMs`',
    'from `--progress json`, an inspector profile of the engine answering workload 6\'s file-tree request',
    '(run in the bench process through tsx, so files show without line numbers), and workload 6\'s own split timings.',
    '',
    ...prof,
    ...uiSection(r),
    notes,
    '',
  ].join('\n')
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
  return text
}
