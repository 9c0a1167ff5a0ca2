// Cache behaviour, Layerlab against the daemon's BuildKit: each scenario builds a fresh context
// with both, changes one thing, builds again, and checks that the second build caches and
// rebuilds the same keyed steps in both, and that Layerlab names the expected cause for every
// rebuilt step (engine-reference §5.1, §8.2). Before the second build, Layerlab's cache forecast
// must say exactly that (forecast-build.ts; judgeForecast).
//
// Both builders keep their caches across scenarios. That is harmless because every scenario
// starts from its own context directory (Layerlab's miss records are per Dockerfile path) and
// every change makes content no earlier scenario (or earlier run) built, so a second build can
// never hit an entry left behind by another scenario.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { describeMissReason, type PlannedStep, type StepFinishedEvent } from '../../shared/build-events'
import { judgeForecast } from '../cache'
import { loadImages } from '../image-io'
import { openStore, type Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'
import { forecastBuild } from './forecast-build'

const host = serviceOrSkip('docker')

type Status = 'cached' | 'built'

/** One keyed step (COPY, ADD, WORKDIR) of a build, as either builder reported it. */
interface KeyedStep {
  /** BuildKit's vertex prefix: the stage name, `stage-<index>` for unnamed ones, '' for a lone unnamed stage. */
  stage: string
  /** The instruction with ENV/ARG values filled in, as BuildKit shows it. */
  text: string
  status: Status
}

interface LayerlabStep extends KeyedStep {
  /** The instruction as written. */
  written: string
  reason?: string
}

interface Scenario {
  name: string
  dockerfile: string
  /** Extra or replaced context files (path → content, or [content, mode]). */
  files?: Record<string, string | [string, number]>
  /** --build-arg values for the first and the second build. */
  buildArgs?: [Record<string, string>, Record<string, string>]
  change?: (ctx: string) => Promise<void>
  /**
   * The second build's keyed steps in order (stages in order), each with Layerlab's miss reason
   * when it rebuilds, or null when it is cached. BuildKit must cache/rebuild the same ones.
   */
  expected: [written: string, reason: string | null][]
}

// In every file, so no step of this run can hit what an earlier run left in a reused engine
// (a shell from `npm run services` keeps one running between test runs).
const run = randomUUID()

const baseFiles: Record<string, string | [string, number]> = {
  'a.txt': `a ${run}\n`,
  'b.txt': `b ${run}\n`,
  'dir/x.txt': `x ${run}\n`,
  'dir/y.txt': `y ${run}\n`,
}

const baseDockerfile = `FROM busybox
COPY a.txt /app/a.txt
COPY dir/ /app/dir/
WORKDIR /work
COPY b.txt ./b.txt
LABEL team=builders
`

/** The steps of baseDockerfile, each with the reason it rebuilds (null: cached). */
const base = (a: string | null, dir: string | null, workdir: string | null, b: string | null): Scenario['expected'] => [
  ['COPY a.txt /app/a.txt', a],
  ['COPY dir/ /app/dir/', dir],
  ['WORKDIR /work', workdir],
  ['COPY b.txt ./b.txt', b],
]

const afterA = 'parent step 1 was rebuilt (COPY a.txt /app/a.txt)'

const replace = (file: string, from: string, to: string) => async (ctx: string) => {
  const text = await readFile(path.join(ctx, file), 'utf8')
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`)
  await writeFile(path.join(ctx, file), text.replace(from, to))
}

const scenarios: Scenario[] = [
  {
    name: '1 edit a copied file',
    dockerfile: baseDockerfile,
    change: (ctx) => writeFile(path.join(ctx, 'a.txt'), `a, edited in scenario 1 ${run}\n`),
    expected: base('a.txt changed', afterA, afterA, afterA),
  },
  {
    name: '2 touch only (mtime)',
    dockerfile: baseDockerfile,
    change: async (ctx) => {
      const later = new Date(Date.now() + 3_600_000)
      for (const f of ['a.txt', 'dir/x.txt', 'dir', 'b.txt']) await utimes(path.join(ctx, f), later, later)
    },
    expected: base(null, null, null, null),
  },
  {
    name: '3 chmod a copied file',
    dockerfile: baseDockerfile,
    change: (ctx) => chmod(path.join(ctx, 'a.txt'), 0o755),
    expected: base('a.txt changed', afterA, afterA, afterA),
  },
  {
    name: '4 rename inside a copied dir',
    dockerfile: baseDockerfile,
    change: (ctx) => rename(path.join(ctx, 'dir/y.txt'), path.join(ctx, 'dir/y4.txt')),
    expected: base(null, 'dir/y4.txt added; dir/y.txt removed', 'parent step 2 was rebuilt (COPY dir/ /app/dir/)', 'parent step 2 was rebuilt (COPY dir/ /app/dir/)'),
  },
  {
    name: '5 edit a LABEL value',
    dockerfile: baseDockerfile,
    change: replace('Dockerfile', 'team=builders', 'team=scenario-5'),
    expected: base(null, null, null, null),
  },
  {
    name: '6a change an ENV nothing keyed uses',
    dockerfile: `FROM busybox
ENV DIR=d6 UNUSED=u1
COPY a.txt /app/a.txt
COPY b.txt /$DIR/
`,
    change: replace('Dockerfile', 'UNUSED=u1', 'UNUSED=u6a'),
    expected: [
      ['COPY a.txt /app/a.txt', null],
      ['COPY b.txt /$DIR/', null],
    ],
  },
  {
    name: '6b change an ENV a COPY names',
    dockerfile: `FROM busybox
ENV DIR=d6 UNUSED=u1
COPY a.txt /app/a.txt
COPY b.txt /$DIR/
`,
    change: replace('Dockerfile', 'DIR=d6', 'DIR=d6b'),
    expected: [
      ['COPY a.txt /app/a.txt', null],
      ['COPY b.txt /$DIR/', 'ENV DIR: d6 → d6b'],
    ],
  },
  {
    name: '7 change a build arg',
    dockerfile: `FROM busybox
ARG V
COPY b.txt /app/b.txt
COPY a.txt /v$V/
`,
    buildArgs: [{ V: '1' }, { V: '2' }],
    expected: [
      ['COPY b.txt /app/b.txt', null],
      ['COPY a.txt /v$V/', 'build arg V: 1 → 2'],
    ],
  },
  {
    name: '8 comment-only Dockerfile edit',
    dockerfile: baseDockerfile,
    change: async (ctx) => {
      const text = await readFile(path.join(ctx, 'Dockerfile'), 'utf8')
      const lines = text.split('\n')
      lines.splice(2, 0, '# scenario 8: a comment', '')
      await writeFile(path.join(ctx, 'Dockerfile'), `# header comment\n${lines.join('\n')}`)
    },
    expected: base(null, null, null, null),
  },
  {
    name: '9 reorder two COPYs',
    dockerfile: baseDockerfile.replace('COPY a.txt /app/a.txt', 'COPY a.txt /app/a9.txt'),
    change: async (ctx) => {
      const text = await readFile(path.join(ctx, 'Dockerfile'), 'utf8')
      await writeFile(
        path.join(ctx, 'Dockerfile'),
        text.replace('COPY a.txt /app/a9.txt\nCOPY dir/ /app/dir/\n', 'COPY dir/ /app/dir/\nCOPY a.txt /app/a9.txt\n'),
      )
    },
    expected: [
      ['COPY dir/ /app/dir/', 'instruction changed: "COPY dir/ /app/dir/" (was "COPY a.txt /app/a9.txt")'],
      ['COPY a.txt /app/a9.txt', 'instruction changed: "COPY a.txt /app/a9.txt" (was "COPY dir/ /app/dir/")'],
      ['WORKDIR /work', 'parent step 1 was rebuilt (COPY dir/ /app/dir/)'],
      ['COPY b.txt ./b.txt', 'parent step 1 was rebuilt (COPY dir/ /app/dir/)'],
    ],
  },
  {
    name: '10 a .dockerignored file changes',
    dockerfile: baseDockerfile,
    files: { '.dockerignore': 'dir/*.log\n', 'dir/debug.log': 'log 1\n' },
    change: (ctx) => writeFile(path.join(ctx, 'dir/debug.log'), `log, edited in scenario 10 ${run}\n`),
    expected: base(null, null, null, null),
  },
  {
    name: '11 COPY --from, same output',
    dockerfile: `FROM busybox AS build
COPY a.txt /out/a.txt
COPY b.txt /unrelated.txt
FROM scratch
COPY --from=build /out/a.txt /a.txt
COPY dir/ /dir/
`,
    change: (ctx) => writeFile(path.join(ctx, 'b.txt'), `b, edited in scenario 11 ${run}\n`),
    expected: [
      ['COPY a.txt /out/a.txt', null],
      ['COPY b.txt /unrelated.txt', 'b.txt changed'],
      // COPY --from is keyed by the content of what it selects (BuildKit's contenthash; Layerlab's
      // copy-from-digest.ts): the rebuilt stage still has the same /out/a.txt, so the copy and
      // what follows it are hits. Before copy-from-digest.ts, Layerlab keyed it by the stage's key
      // and rebuilt it, saying "out/a.txt changed".
      ['COPY --from=build /out/a.txt /a.txt', null],
      ['COPY dir/ /dir/', null],
    ],
  },
  {
    name: '11b COPY --from, changed output',
    dockerfile: `FROM busybox AS build
COPY a.txt /out/a.txt
COPY b.txt /unrelated.txt
FROM scratch
COPY --from=build /out/a.txt /a.txt
COPY dir/ /dir/
`,
    change: (ctx) => writeFile(path.join(ctx, 'a.txt'), `a, edited in scenario 11b ${run}\n`),
    // The other side of content addressing: a changed selection must still miss.
    expected: [
      ['COPY a.txt /out/a.txt', 'a.txt changed'],
      ['COPY b.txt /unrelated.txt', 'parent step 1 was rebuilt (COPY a.txt /out/a.txt)'],
      ['COPY --from=build /out/a.txt /a.txt', 'out/a.txt changed'],
      ['COPY dir/ /dir/', 'parent step 1 was rebuilt (COPY --from=build /out/a.txt /a.txt)'],
    ],
  },
]

function docker(args: string[]): string {
  const result = spawnSync('/usr/bin/docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' },
    maxBuffer: 1 << 26,
  })
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${result.stderr}`)
  // BuildKit writes its progress to stderr.
  return result.stdout + result.stderr
}

/**
 * The keyed steps of a `--progress=plain` build. Vertices print out of order and interleaved, so
 * names (`#N [stage i/n] INSTR`) and outcomes (`#N CACHED` / `#N DONE`) are joined by N. FROM is
 * left out: an image already in the engine shows DONE or CACHED whatever changed (resolving it
 * is not a cache lookup), and a FROM scratch or FROM <stage> makes no vertex at all.
 */
function parseBuildKit(output: string, stageOrder: readonly string[]): KeyedStep[] {
  const named = new Map<number, { stage: string; i: number; text: string }>()
  const outcome = new Map<number, string>()
  for (const line of output.split('\n')) {
    const step = /^#(\d+) \[(?:(\S+)\s+)?\s*(\d+)\/\d+\] (.*)$/.exec(line)
    if (step) {
      named.set(Number(step[1]), { stage: step[2] ?? '', i: Number(step[3]), text: step[4] ?? '' })
      continue
    }
    const done = /^#(\d+) (CACHED|DONE|ERROR)\b/.exec(line)
    if (done) outcome.set(Number(done[1]), done[2] ?? '')
  }
  const steps = [...named.entries()]
    .filter(([, v]) => !/^FROM\s/i.test(v.text))
    .map(([n, v]) => {
      const o = outcome.get(n)
      if (o !== 'CACHED' && o !== 'DONE') throw new Error(`BuildKit vertex #${n} ${v.text}: ${o ?? 'no outcome'}`)
      return { ...v, status: (o === 'CACHED' ? 'cached' : 'built') as Status }
    })
  // Stages as Layerlab orders them (independent stages may print in any order), steps by i.
  const rank = (stage: string) => (stageOrder.includes(stage) ? stageOrder.indexOf(stage) : stageOrder.length)
  return steps
    .sort((a, b) => rank(a.stage) - rank(b.stage) || a.i - b.i)
    .map(({ stage, text, status }) => ({ stage, text, status }))
}

/**
 * ENV and ARG values by name, from the test's own Dockerfiles (one `KEY=value` word each, no
 * quoting, names not reused across stages), with --build-arg values for ARGs.
 */
function dockerfileVars(text: string, buildArgs: Record<string, string>): Map<string, string> {
  const vars = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^\s*(ENV|ARG)\s+(.*)$/i.exec(line)
    if (!m) continue
    for (const word of (m[2] ?? '').trim().split(/\s+/)) {
      const eq = word.indexOf('=')
      const name = eq < 0 ? word : word.slice(0, eq)
      const value = eq < 0 ? undefined : word.slice(eq + 1)
      if (m[1]?.toUpperCase() === 'ARG') vars.set(name, buildArgs[name] ?? value ?? '')
      else vars.set(name, value ?? '')
    }
  }
  return vars
}

const expand = (text: string, vars: Map<string, string>) =>
  text.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, a: string | undefined, b: string | undefined) => vars.get(a ?? b ?? '') ?? '')

let dir: string
let store: Store
const summary: { scenario: string; buildkit: string; layerlab: string; reasons: string }[] = []

beforeAll(async () => {
  if (!host) return
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-cache-scn-'))
  store = await openStore(path.join(dir, 'store'))
  docker(['save', '-o', path.join(dir, 'busybox.tar'), 'busybox:latest'])
  await loadImages(store, path.join(dir, 'busybox.tar'))
}, 120_000)

afterAll(async () => {
  if (!host) return
  if (summary.length > 0) {
    const rows = [['scenario', 'BuildKit', 'Layerlab', 'Layerlab reasons'], ...summary.map((s) => [s.scenario, s.buildkit, s.layerlab, s.reasons])]
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
    const line = (r: string[]) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell)).join(' | ')
    console.log(['', ...rows.map(line)].join('\n'))
  }
  spawnSync('/usr/bin/docker', ['rmi', '-f', ...scenarios.map((_, i) => `layerlab-test/cache-scenario-${i + 1}:bk`)], {
    env: { ...process.env, DOCKER_HOST: host },
  })
  await rm(dir, { recursive: true, force: true })
})

async function writeContext(ctx: string, scenario: Scenario): Promise<void> {
  const files = { ...baseFiles, ...scenario.files, Dockerfile: scenario.dockerfile }
  for (const [rel, spec] of Object.entries(files)) {
    const [content, mode] = typeof spec === 'string' ? [spec, 0o644] : spec
    const file = path.join(ctx, rel)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
    await chmod(file, mode)
  }
}

async function layerlabBuild(ctx: string, tag: string, buildArgs: Record<string, string>, finished: StepFinishedEvent[] = []): Promise<LayerlabStep[]> {
  const planned = new Map<string, PlannedStep>()
  let stageCount = 0
  const outcome = await new EmbeddedBackend({ store }).build({ contextDir: ctx, tags: [tag], buildArgs }, (e) => {
    if (e.type === 'plan') {
      stageCount = e.stages.length
      for (const s of e.stages) for (const step of s.steps) planned.set(step.id, step)
    }
    if (e.type === 'step-finished') finished.push(e)
  })
  const failed = finished.find((s) => s.status === 'failed')
  expect(outcome.status, failed?.error?.message).toBe('succeeded')
  const vars = dockerfileVars(await readFile(path.join(ctx, 'Dockerfile'), 'utf8'), buildArgs)
  return finished
    .filter((s) => ['copy', 'add', 'workdir'].includes(planned.get(s.stepId)?.kind ?? ''))
    .map((s) => ({
      stage: stageCount === 1 && s.stage.name === undefined ? '' : (s.stage.name ?? `stage-${s.stage.index}`),
      written: s.instruction,
      text: expand(s.instruction, vars),
      status: s.status as Status,
      ...(s.reason ? { reason: describeMissReason(s.reason) } : {}),
    }))
}

/** The build's `--progress=plain` output. */
function buildKitBuild(ctx: string, tag: string, buildArgs: Record<string, string>): string {
  const args = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`])
  return docker(['build', '--network=none', '--progress=plain', ...args, '-t', tag, ctx])
}

const statuses = (steps: KeyedStep[]) => steps.map((s) => (s.status === 'cached' ? 'C' : 'B')).join(' ')

describe.skipIf(!host)('cache scenarios: Layerlab rebuilds what BuildKit rebuilds, and says why', () => {
  for (const [i, scenario] of scenarios.entries()) {
    it(scenario.name, async () => {
      const ctx = path.join(dir, `scenario-${i + 1}`)
      await writeContext(ctx, scenario)
      const [firstArgs, secondArgs] = scenario.buildArgs ?? [{}, {}]
      const tag = `layerlab-test/cache-scenario-${i + 1}`

      // First build: records this context's steps for both (mostly hits from earlier scenarios).
      await layerlabBuild(ctx, `${tag}:ll`, firstArgs)
      buildKitBuild(ctx, `${tag}:bk`, firstArgs)

      await scenario.change?.(ctx)
      // Forecast first: the build that follows must do what it said, step by step, reasons too.
      const forecast = await forecastBuild(store, { contextDir: ctx, buildArgs: secondArgs })
      const finished: StepFinishedEvent[] = []
      const ours = await layerlabBuild(ctx, `${tag}:ll`, secondArgs, finished)
      expect(judgeForecast(forecast, finished)).toEqual([])
      const theirs = parseBuildKit(buildKitBuild(ctx, `${tag}:bk`, secondArgs), [...new Set(ours.map((s) => s.stage))])
      summary.push({
        scenario: scenario.name,
        buildkit: statuses(theirs),
        layerlab: statuses(ours),
        reasons: ours.map((s) => s.reason ?? '-').join(' / '),
      })

      // The same steps on both sides (matched by stage and order, checked by text).
      expect(theirs.map((s) => `${s.stage}: ${s.text}`)).toEqual(ours.map((s) => `${s.stage}: ${s.text}`))
      expect(ours.map((s) => s.written)).toEqual(scenario.expected.map(([written]) => written))
      // What BuildKit does is what the scenario expects...
      expect(theirs.map((s) => s.status)).toEqual(scenario.expected.map(([, reason]) => (reason === null ? 'cached' : 'built')))
      // ...and Layerlab caches and rebuilds the same steps, naming the expected cause.
      expect(ours.map((s) => s.status)).toEqual(theirs.map((s) => s.status))
      expect(ours.map((s) => s.reason ?? null)).toEqual(scenario.expected.map(([, reason]) => reason))
    })
  }
})
