import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { runLayerlab } from '../cli.test-support'

// `layerlab build` as a terminal user runs it: the real binary, a real store on disk.
let dir: string
let context: string
let store: string

const layerlab = (...args: string[]) => runLayerlab(args)
const build = (...args: string[]) => layerlab('build', '--store', store, ...args, context)

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-cli-build-'))
  context = path.join(dir, 'ctx')
  store = path.join(dir, 'store')
  mkdirSync(path.join(context, 'src'), { recursive: true })
  writeFileSync(path.join(context, 'src/app.txt'), 'v1\n')
  writeFileSync(path.join(context, 'other.txt'), 'unchanged\n')
  writeFileSync(
    path.join(context, 'Dockerfile'),
    'FROM scratch AS base\nARG V=default\nCOPY src/ /app/\nCOPY other.txt /v-$V/other.txt\n\nFROM base AS final\nLABEL stage=final\n',
  )
})

describe('layerlab build', () => {
  it('prints BuildKit-style plain progress with the reason for every rebuilt step', () => {
    const first = build('-t', 'app:1')
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/#\d+ \[base 2\/3\] COPY src\/ \/app\/\n#\d+ REBUILT: first build\n#\d+ DONE \d+\.\ds/)
    expect(first.stderr).toMatch(/naming to docker\.io\/library\/app:1 done/)
    expect(first.stderr).toMatch(/Built app:1: 0 of 2 layer steps from cache/)

    const second = build('-t', 'app:1')
    expect(second.stderr).toMatch(/COPY src\/ \/app\/\n#\d+ CACHED/)
    expect(second.stderr).toMatch(/Built app:1: 2 of 2 layer steps from cache/)

    writeFileSync(path.join(context, 'src/app.txt'), 'v2\n')
    const third = build('-t', 'app:1')
    expect(third.stderr).toMatch(/#\d+ REBUILT: src\/app\.txt changed\n/)
    expect(third.stderr).toMatch(/#\d+ REBUILT: parent step 2 was rebuilt \(COPY src\/ \/app\/\)/)
    expect(layerlab('images', '--store', store).stdout).toMatch(/^app:1 /m)
  })

  it('takes build args and says which one changed', () => {
    build('--build-arg', 'V=1')
    const changed = build('--build-arg', 'V=2')
    expect(changed.stderr).toMatch(/REBUILT: build arg V: 1 → 2/)
  })

  it('builds only what --target needs', () => {
    const result = build('--target', 'base', '--progress', 'json')
    expect(result.code).toBe(0)
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; stages?: unknown[] })
    expect(events[0]?.type).toBe('build-started')
    expect(events.find((e) => e.type === 'plan')?.stages).toHaveLength(1)
    expect(events.at(-1)?.type).toBe('build-finished')
  })

  it('exits non-zero with the failing line, and says why for bad input', () => {
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY missing.txt /m\n')
    const failed = build()
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/layerlab: build failed: line 2: .*missing\.txt/)
    expect(failed.stderr).not.toMatch(/\n\s+at /)

    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY --chwon=1 a b\n')
    expect(build().stderr).toMatch(/unknown flag: --chwon/)
    expect(layerlab('build', '--store', store, path.join(dir, 'nope')).stderr).toMatch(/not a directory/)
    expect(layerlab('build', '--store', store).code).toBe(2)
  })
})
