// Forecasts beyond the cache scenarios: unsaved editor text, a base image the store lacks, a
// build that will fail, --no-cache, first builds, RUN steps, and the warm stat cache.
import { copyFile, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { judgeForecast } from '../cache'
import { openStore, type Store } from '../store'
import { forecastBuild } from './forecast-build'
import { build, forecastLines, forecastThenBuild, keyedForecastLines, storeRecords } from './forecast.test-support'

let dir: string
let ctx: string
let store: Store

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-forecast-'))
  ctx = path.join(dir, 'ctx')
  await mkdir(ctx)
  store = await openStore(path.join(dir, 'store'))
  await writeFile(path.join(ctx, 'a.txt'), 'a\n')
  await writeFile(path.join(ctx, 'b.txt'), 'b\n')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const dockerfile = 'FROM scratch\nENV DEST=/app\nCOPY a.txt $DEST/a.txt\nCOPY b.txt /b.txt\nLABEL x=1\n'

describe('forecastBuild', () => {
  it('forecasts a first build, then a build with nothing changed', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), dockerfile)
    const first = await forecastThenBuild(store, { contextDir: ctx })
    expect(forecastLines(first.forecast)).toEqual([
      'FROM scratch | will be cached',
      'ENV DEST=/app | will be cached',
      'COPY a.txt $DEST/a.txt | will rebuild: first build',
      'COPY b.txt /b.txt | will rebuild: first build',
      'LABEL x=1 | will be cached',
    ])
    const second = await forecastThenBuild(store, { contextDir: ctx })
    expect(forecastLines(second.forecast).every((l) => l.endsWith('will be cached'))).toBe(true)
    expect(second.forecast.stages[0]?.steps[2]?.location.start.line).toBe(3)
  })

  it('follows the unsaved editor text, not the file on disk', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), dockerfile)
    await build(store, { contextDir: ctx })
    const edited = dockerfile.replace('DEST=/app', 'DEST=/srv')
    const forecast = await forecastBuild(store, { contextDir: ctx, dockerfileText: edited })
    expect(keyedForecastLines(forecast)).toEqual([
      'COPY a.txt $DEST/a.txt | will rebuild: ENV DEST: /app → /srv',
      'COPY b.txt /b.txt | will rebuild: parent step 2 will rebuild (COPY a.txt $DEST/a.txt)',
    ])
    // Saved, the build agrees.
    await writeFile(path.join(ctx, 'Dockerfile'), edited)
    expect(judgeForecast(forecast, await build(store, { contextDir: ctx }))).toEqual([])
  })

  it('says --no-cache rebuilds every keyed step', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), dockerfile)
    await build(store, { contextDir: ctx })
    const { forecast } = await forecastThenBuild(store, { contextDir: ctx, noCache: true })
    expect(keyedForecastLines(forecast)).toEqual(['COPY a.txt $DEST/a.txt | will rebuild: --no-cache', 'COPY b.txt /b.txt | will rebuild: --no-cache'])
  })

  it('knows a stage hits what an earlier stage of the same build writes', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch AS one\nCOPY a.txt /a.txt\nFROM scratch\nCOPY a.txt /a.txt\nCOPY --from=one /a.txt /again.txt\n')
    const { forecast } = await forecastThenBuild(store, { contextDir: ctx })
    expect(keyedForecastLines(forecast)).toEqual([
      'COPY a.txt /a.txt | will rebuild: first build',
      'COPY a.txt /a.txt | will be cached',
      'COPY --from=one /a.txt /again.txt | may rebuild: stage one rebuilds',
    ])
  })

  it('says a base image the store lacks will be pulled, and pulls nothing', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM layerlab-test/not-here:1\nCOPY a.txt /a.txt\nENV X=1\n')
    const before = await storeRecords(store)
    const forecast = await forecastBuild(store, { contextDir: ctx })
    expect(forecastLines(forecast)).toEqual([
      'FROM layerlab-test/not-here:1 | will pull: image layerlab-test/not-here:1 is not in the Layerlab store; the build pulls it first',
      'COPY a.txt /a.txt | will rebuild: its base image layerlab-test/not-here:1 will be pulled first',
      'ENV X=1 | will be cached',
    ])
    expect(await storeRecords(store)).toEqual(before)
  })

  it('says where a build will fail, and that the steps after it will not run', async () => {
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY a.txt /a\nCOPY missing.txt /m\nCOPY b.txt /b\n')
    const { forecast } = await forecastThenBuild(store, { contextDir: ctx })
    const lines = keyedForecastLines(forecast)
    expect(lines[1]).toMatch(/^COPY missing.txt \/m \| will fail: .*missing.txt/)
    expect(lines[2]).toBe('COPY b.txt /b | will not run (an earlier step fails)')
  })

  it('answers a Dockerfile that does not parse with the error at its line', async () => {
    const forecast = await forecastBuild(store, { contextDir: ctx, dockerfileText: 'FROM scratch\nCOPY --chwon=1 a.txt /a\n' })
    expect(forecast.stages).toEqual([])
    expect(forecast.error).toMatchObject({ code: 'parse-error', location: { start: { line: 2 } } })
    expect(forecast.error?.message).toMatch(/line 2: unknown flag: --chwon/)
  })

  it('reads no file again when the context is unchanged (stat cache)', async () => {
    for (let i = 0; i < 200; i++) await writeFile(path.join(ctx, `f${i}.txt`), `file ${i}\n`)
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY . /src/\n')
    // Files changed within 2 s of being hashed are not remembered (racy window; ctime cannot be set back).
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await build(store, { contextDir: ctx })
    const warm = await forecastBuild(store, { contextDir: ctx })
    expect(keyedForecastLines(warm)).toEqual(['COPY . /src/ | will be cached'])
    expect(warm.timing.filesHashed).toBe(0)
    expect(warm.timing.filesFromStatCache).toBeGreaterThanOrEqual(202)
  })
})

const busybox = '/usr/bin/busybox'
const canRun = process.platform === 'linux' && existsSync(busybox) && existsSync('/usr/bin/bwrap')

describe.skipIf(!canRun && process.env.CI !== 'true')('forecastBuild with RUN steps', () => {
  it('forecasts a RUN that an ENV change rebuilds, without running it', async () => {
    await copyFile(busybox, path.join(ctx, 'busybox'))
    await chmod(path.join(ctx, 'busybox'), 0o755)
    const text = (mode: string) =>
      `FROM scratch\nCOPY busybox /bin/busybox\nENV MODE=${mode}\nRUN ["/bin/busybox", "sh", "-c", "echo $MODE > /mode"]\nCOPY a.txt /a.txt\n`
    await writeFile(path.join(ctx, 'Dockerfile'), text('one'))
    await build(store, { contextDir: ctx })
    await writeFile(path.join(ctx, 'Dockerfile'), text('two'))
    const { forecast, finished } = await forecastThenBuild(store, { contextDir: ctx })
    expect(keyedForecastLines(forecast)).toEqual([
      'COPY busybox /bin/busybox | will be cached',
      'RUN ["/bin/busybox", "sh", "-c", "echo $MODE > /mode"] | will rebuild: ENV MODE: one → two',
      'COPY a.txt /a.txt | will rebuild: parent step 3 will rebuild (RUN ["/bin/busybox", "sh", "-c", "echo $MODE > /mode"])',
    ])
    expect(finished.filter((s) => s.status === 'built').map((s) => s.index)).toEqual([3, 4])
  })
})
