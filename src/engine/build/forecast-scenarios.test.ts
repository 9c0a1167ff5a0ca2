// The cache scenarios (cache-scenarios.int.test.ts) as forecasts: each builds a context once,
// changes one thing, forecasts the next build, then builds it. The forecast must name the steps
// the build rebuilds with the reasons the build gives (forecastThenBuild judges every step), and
// must leave the cache index, the build records and the blobs as they were. The base image is one
// Layerlab built from scratch into the test's store, so no service is needed.
import { chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../store'
import { build, forecastThenBuild, keyedForecastLines } from './forecast.test-support'

interface Scenario {
  name: string
  dockerfile: string
  files?: Record<string, string>
  buildArgs?: [Record<string, string>, Record<string, string>]
  change?: (ctx: string) => Promise<void>
  /** The keyed steps of the forecast for the second build, as `instruction | forecast`. */
  expected: string[]
}

const baseFiles: Record<string, string> = { 'a.txt': 'a\n', 'b.txt': 'b\n', 'dir/x.txt': 'x\n', 'dir/y.txt': 'y\n' }

const baseDockerfile = `FROM base:1
COPY a.txt /app/a.txt
COPY dir/ /app/dir/
WORKDIR /work
COPY b.txt ./b.txt
LABEL team=builders
`

const cached = (instruction: string) => `${instruction} | will be cached`
const rebuild = (instruction: string, why: string) => `${instruction} | will rebuild: ${why}`
const base = (a: string | null, dir: string | null, workdir: string | null, b: string | null): string[] => [
  a === null ? cached('COPY a.txt /app/a.txt') : rebuild('COPY a.txt /app/a.txt', a),
  dir === null ? cached('COPY dir/ /app/dir/') : rebuild('COPY dir/ /app/dir/', dir),
  workdir === null ? cached('WORKDIR /work') : rebuild('WORKDIR /work', workdir),
  b === null ? cached('COPY b.txt ./b.txt') : rebuild('COPY b.txt ./b.txt', b),
]
const afterA = 'parent step 1 will rebuild (COPY a.txt /app/a.txt)'

const replace = (file: string, from: string, to: string) => async (ctx: string) => {
  const text = await readFile(path.join(ctx, file), 'utf8')
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`)
  await writeFile(path.join(ctx, file), text.replace(from, to))
}

const multiStage = `FROM base:1 AS build
COPY a.txt /out/a.txt
COPY b.txt /unrelated.txt
FROM scratch
COPY --from=build /out/a.txt /a.txt
COPY dir/ /dir/
`

const scenarios: Scenario[] = [
  { name: 'edit a copied file', dockerfile: baseDockerfile, change: (c) => writeFile(path.join(c, 'a.txt'), 'a, edited\n'), expected: base('a.txt changed', afterA, afterA, afterA) },
  {
    name: 'touch only (mtime)',
    dockerfile: baseDockerfile,
    change: async (c) => {
      const later = new Date(Date.now() + 3_600_000)
      for (const f of ['a.txt', 'dir/x.txt', 'dir', 'b.txt']) await utimes(path.join(c, f), later, later)
    },
    expected: base(null, null, null, null),
  },
  { name: 'chmod a copied file', dockerfile: baseDockerfile, change: (c) => chmod(path.join(c, 'a.txt'), 0o755), expected: base('a.txt changed', afterA, afterA, afterA) },
  {
    name: 'rename inside a copied dir',
    dockerfile: baseDockerfile,
    change: (c) => rename(path.join(c, 'dir/y.txt'), path.join(c, 'dir/y4.txt')),
    expected: base(null, 'dir/y4.txt added; dir/y.txt removed', 'parent step 2 will rebuild (COPY dir/ /app/dir/)', 'parent step 2 will rebuild (COPY dir/ /app/dir/)'),
  },
  { name: 'edit a LABEL value', dockerfile: baseDockerfile, change: replace('Dockerfile', 'team=builders', 'team=other'), expected: base(null, null, null, null) },
  {
    name: 'change an ENV nothing keyed uses',
    dockerfile: 'FROM base:1\nENV DIR=d6 UNUSED=u1\nCOPY a.txt /app/a.txt\nCOPY b.txt /$DIR/\n',
    change: replace('Dockerfile', 'UNUSED=u1', 'UNUSED=u2'),
    expected: [cached('COPY a.txt /app/a.txt'), cached('COPY b.txt /$DIR/')],
  },
  {
    name: 'change an ENV a COPY names',
    dockerfile: 'FROM base:1\nENV DIR=d6 UNUSED=u1\nCOPY a.txt /app/a.txt\nCOPY b.txt /$DIR/\n',
    change: replace('Dockerfile', 'DIR=d6', 'DIR=d6b'),
    expected: [cached('COPY a.txt /app/a.txt'), rebuild('COPY b.txt /$DIR/', 'ENV DIR: d6 → d6b')],
  },
  {
    name: 'change a build arg',
    dockerfile: 'FROM base:1\nARG V\nCOPY b.txt /app/b.txt\nCOPY a.txt /v$V/\n',
    buildArgs: [{ V: '1' }, { V: '2' }],
    expected: [cached('COPY b.txt /app/b.txt'), rebuild('COPY a.txt /v$V/', 'build arg V: 1 → 2')],
  },
  {
    name: 'comment-only Dockerfile edit',
    dockerfile: baseDockerfile,
    change: async (c) => {
      const lines = (await readFile(path.join(c, 'Dockerfile'), 'utf8')).split('\n')
      lines.splice(2, 0, '# a comment', '')
      await writeFile(path.join(c, 'Dockerfile'), `# header\n${lines.join('\n')}`)
    },
    expected: base(null, null, null, null),
  },
  {
    name: 'reorder two COPYs',
    dockerfile: baseDockerfile.replace('COPY a.txt /app/a.txt', 'COPY a.txt /app/a9.txt'),
    change: replace('Dockerfile', 'COPY a.txt /app/a9.txt\nCOPY dir/ /app/dir/\n', 'COPY dir/ /app/dir/\nCOPY a.txt /app/a9.txt\n'),
    expected: [
      rebuild('COPY dir/ /app/dir/', 'instruction changed: "COPY dir/ /app/dir/" (was "COPY a.txt /app/a9.txt")'),
      rebuild('COPY a.txt /app/a9.txt', 'instruction changed: "COPY a.txt /app/a9.txt" (was "COPY dir/ /app/dir/")'),
      rebuild('WORKDIR /work', 'parent step 1 will rebuild (COPY dir/ /app/dir/)'),
      rebuild('COPY b.txt ./b.txt', 'parent step 1 will rebuild (COPY dir/ /app/dir/)'),
    ],
  },
  {
    name: 'a .dockerignored file changes',
    dockerfile: baseDockerfile,
    files: { '.dockerignore': 'dir/*.log\n', 'dir/debug.log': 'log 1\n' },
    change: (c) => writeFile(path.join(c, 'dir/debug.log'), 'log 2\n'),
    expected: base(null, null, null, null),
  },
  {
    // The stage rebuilds; whether /out/a.txt is the same there only the build can tell (it is).
    name: 'COPY --from a stage that rebuilds, same output',
    dockerfile: multiStage,
    change: (c) => writeFile(path.join(c, 'b.txt'), 'b, edited\n'),
    expected: [
      cached('COPY a.txt /out/a.txt'),
      rebuild('COPY b.txt /unrelated.txt', 'b.txt changed'),
      'COPY --from=build /out/a.txt /a.txt | may rebuild: stage build rebuilds',
      'COPY dir/ /dir/ | may rebuild: parent step 1 may rebuild (COPY --from=build /out/a.txt /a.txt)',
    ],
  },
  {
    name: 'COPY --from a stage that rebuilds, changed output',
    dockerfile: multiStage,
    change: (c) => writeFile(path.join(c, 'a.txt'), 'a, edited\n'),
    expected: [
      rebuild('COPY a.txt /out/a.txt', 'a.txt changed'),
      rebuild('COPY b.txt /unrelated.txt', 'parent step 1 will rebuild (COPY a.txt /out/a.txt)'),
      'COPY --from=build /out/a.txt /a.txt | may rebuild: stage build rebuilds',
      'COPY dir/ /dir/ | may rebuild: parent step 1 may rebuild (COPY --from=build /out/a.txt /a.txt)',
    ],
  },
  {
    // A cached stage's layers exist: the copy is keyed by their content, as in the build.
    name: 'COPY --from a cached stage',
    dockerfile: multiStage,
    change: (c) => writeFile(path.join(c, 'dir/x.txt'), 'x, edited\n'),
    expected: [
      cached('COPY a.txt /out/a.txt'),
      cached('COPY b.txt /unrelated.txt'),
      cached('COPY --from=build /out/a.txt /a.txt'),
      rebuild('COPY dir/ /dir/', 'dir/x.txt changed'),
    ],
  },
  {
    // The keys after a miss are still known: going back to an earlier content hits its entries.
    name: 'an edit undone after building it',
    dockerfile: baseDockerfile,
    change: async (c) => {
      await writeFile(path.join(c, 'a.txt'), 'a, for a while\n')
      await build(store, { contextDir: c })
      await writeFile(path.join(c, 'a.txt'), 'a\n')
    },
    expected: base(null, null, null, null),
  },
  {
    // --link is keyed without its parent: it stays cached while the step below it rebuilds;
    // the step after it sits on both and rebuilds.
    name: 'COPY --link over a step that rebuilds',
    dockerfile: 'FROM base:1\nCOPY a.txt /a.txt\nCOPY --link b.txt /b.txt\nCOPY dir/ /dir/\n',
    change: (c) => writeFile(path.join(c, 'a.txt'), 'a, edited\n'),
    expected: [
      rebuild('COPY a.txt /a.txt', 'a.txt changed'),
      cached('COPY --link b.txt /b.txt'),
      rebuild('COPY dir/ /dir/', 'parent step 1 will rebuild (COPY a.txt /a.txt)'),
    ],
  },
]

let dir: string
let store: Store

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-forecast-'))
  store = await openStore(path.join(dir, 'store'))
  const baseCtx = path.join(dir, 'base')
  await mkdir(baseCtx)
  await writeFile(path.join(baseCtx, 'base.txt'), 'the base image\n')
  await writeFile(path.join(baseCtx, 'Dockerfile'), 'FROM scratch\nCOPY base.txt /base.txt\nENV FROM_BASE=1\n')
  const finished = await build(store, { contextDir: baseCtx, tags: ['base:1'] })
  expect(finished.map((s) => s.status)).toEqual(['cached', 'built', 'cached'])
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function writeContext(ctx: string, scenario: Scenario): Promise<void> {
  for (const [rel, content] of Object.entries({ ...baseFiles, ...scenario.files, Dockerfile: scenario.dockerfile })) {
    await mkdir(path.dirname(path.join(ctx, rel)), { recursive: true })
    await writeFile(path.join(ctx, rel), content)
  }
}

describe('forecast, then build: the build does what the forecast said', () => {
  for (const [i, scenario] of scenarios.entries()) {
    it(scenario.name, async () => {
      const ctx = path.join(dir, `scenario-${i}`)
      await writeContext(ctx, scenario)
      const [firstArgs, secondArgs] = scenario.buildArgs ?? [{}, {}]
      await build(store, { contextDir: ctx, buildArgs: firstArgs })
      await scenario.change?.(ctx)
      const { forecast } = await forecastThenBuild(store, { contextDir: ctx, buildArgs: secondArgs })
      expect(keyedForecastLines(forecast)).toEqual(scenario.expected)
    })
  }
})
