import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { runLayerlab } from '../cli.test-support'
import type { BuildForecast } from '../../shared/forecast-api'

// `layerlab build --dry-run` as a terminal user runs it: the real binary, a real store on disk.
let dir: string
let context: string
let store: string

const layerlab = (...args: string[]) => runLayerlab(args)
const build = (...args: string[]) => layerlab('build', '--store', store, ...args, context)

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-cli-dry-run-'))
  context = path.join(dir, 'ctx')
  store = path.join(dir, 'store')
  mkdirSync(path.join(context, 'src'), { recursive: true })
  writeFileSync(path.join(context, 'src/app.txt'), 'v1\n')
  writeFileSync(path.join(context, 'other.txt'), 'unchanged\n')
  writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch AS base\nARG V=default\nCOPY src/ /app/\nCOPY other.txt /v-$V/other.txt\n\nFROM base AS final\nLABEL stage=final\n')
})

describe('layerlab build --dry-run', () => {
  // Six runs of the CLI: more than the default 5 s on a busy 2-core machine.
  it('prints which steps the build would rebuild and why, runs nothing, and the build then agrees', { timeout: 30_000 }, () => {
    const cold = build('--dry-run')
    expect(cold.code).toBe(0)
    expect(cold.stdout).toMatch(/#\d+ \[base 2\/3\] COPY src\/ \/app\/\n#\d+ WILL REBUILD: first build\n/)
    expect(cold.stdout).toMatch(/Forecast \(nothing was run\): 0 of 2 layer steps from cache, 2 will rebuild/)
    // Nothing was built: no image, no build record.
    expect(layerlab('images', '--store', store).stdout).not.toMatch(/app/)
    expect(readdirSync(path.join(store, 'builds'))).toEqual([])

    expect(build('-t', 'app:1').code).toBe(0)
    writeFileSync(path.join(context, 'src/app.txt'), 'v2\n')
    const forecast = build('--dry-run')
    expect(forecast.stdout).toMatch(/COPY src\/ \/app\/\n#\d+ WILL REBUILD: src\/app\.txt changed\n/)
    expect(forecast.stdout).toMatch(/COPY other\.txt \/v-\$V\/other\.txt\n#\d+ WILL REBUILD: parent step 2 will rebuild \(COPY src\/ \/app\/\)\n/)
    const built = build('-t', 'app:1')
    expect(built.stderr).toMatch(/REBUILT: src\/app\.txt changed\n/)
    expect(built.stderr).toMatch(/REBUILT: parent step 2 was rebuilt \(COPY src\/ \/app\/\)/)
    expect(build('--dry-run').stdout).toMatch(/2 of 2 layer steps from cache, 0 will rebuild/)
  })

  it('prints the forecast as one JSON object with --progress json, with the build args applied', () => {
    build('--build-arg', 'V=1')
    const result = build('--dry-run', '--progress', 'json', '--build-arg', 'V=2')
    expect(result.code).toBe(0)
    const forecast = JSON.parse(result.stdout) as BuildForecast
    const steps = forecast.stages.flatMap((s) => s.steps)
    expect(steps.map((s) => [s.instruction, s.status])).toEqual([
      ['FROM scratch AS base', 'cached'],
      ['ARG V=default', 'cached'],
      ['COPY src/ /app/', 'cached'],
      ['COPY other.txt /v-$V/other.txt', 'rebuild'],
      ['FROM base AS final', 'cached'],
      ['LABEL stage=final', 'cached'],
    ])
    expect(steps[3]?.reason).toEqual({ kind: 'build-arg-changed', name: 'V', was: '1', now: '2' })
    expect(forecast.timing.totalMs).toBeGreaterThan(0)
  })

  it('fails with the file and line when the Dockerfile does not parse, and refuses --backend docker', () => {
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY --chwon=1 a /a\n')
    const bad = build('--dry-run')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain(`${path.join(context, 'Dockerfile')}: dockerfile parse error on line 2: unknown flag: --chwon`)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
    expect(build('--dry-run', '--backend', 'docker').stderr).toMatch(/--dry-run .* --backend docker/)
  })
})
