import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runLayerlab } from '../cli.test-support'

// Through the real `layerlab` binary, with a store of its own.
const root = mkdtempSync(path.join(tmpdir(), 'layerlab-lint-cli-'))
const store = path.join(root, 'store')
const layerlab = (args: string[], cwd = root) => runLayerlab(['lint', '--store', store, ...args], { cwd, timeoutMs: 20_000 })

function project(name: string, dockerfile: string, files: Record<string, string> = {}): string {
  const dir = path.join(root, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), text)
  }
  return dir
}

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('layerlab lint', () => {
  const node = project('node', 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', {
    'package.json': '{}\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/objects/pack/pack-1.pack': 'x'.repeat(5000),
  })

  it('prints each finding at its line and column, the context cost, and fails like hadolint', () => {
    const { code, stdout, stderr } = layerlab([node])
    expect(code).toBe(1)
    const lines = stdout.split('\n')
    expect(lines).toContain(
      'node/Dockerfile:3:6 copy-all-before-deps warning: COPY . . copies the whole context before npm ci (line 4): any changed file reinstalls the dependencies; copy package.json and package-lock.json first, install, then copy the rest',
    )
    expect(lines).toContain('node/Dockerfile:3:6 dockerignore-missing warning: No .dockerignore: COPY . . sends and copies .git into the image')
    // Measured with the context walk: the two files under .git.
    expect(lines).toContain('    measured: context: .git (5.02kB in 2 files)')
    expect(lines).toContain('    fix: Create .dockerignore with .git')
    expect(stderr).toContain('no successful build of this Dockerfile in the store')
  })

  it('reads -f relative to the working directory and the context from DIR, and prints JSON', () => {
    const { code, stdout } = layerlab(['-f', 'node/Dockerfile', '--json', 'node'])
    expect(code).toBe(1)
    const json = JSON.parse(stdout) as { dockerfile: string; diagnostics: { rule: string; range: { start: { line: number } }; cost?: { bytes?: number } }[] }
    expect(json.dockerfile).toBe('node/Dockerfile')
    expect(json.diagnostics.map((d) => d.rule)).toEqual(['copy-all-before-deps', 'dockerignore-missing'])
    expect(json.diagnostics.find((d) => d.rule === 'dockerignore-missing')?.cost?.bytes).toBe(5021)
  })

  it('passes a clean Dockerfile, and --failure-threshold decides which findings fail', () => {
    const clean = project('clean', 'FROM alpine:3.20\nRUN apk add --no-cache curl\n')
    expect(layerlab([clean])).toMatchObject({ code: 0, stdout: '' })
    const loose = project('loose', 'FROM alpine:3.20\nRUN echo a\nRUN echo b\n')
    expect(layerlab([loose]).code).toBe(1)
    expect(layerlab([loose, '--failure-threshold', 'warning'])).toMatchObject({ code: 0 })
    expect(layerlab([loose, '--failure-threshold', 'warning']).stdout).toContain('loose/Dockerfile:3:1 consecutive-runs info: 2 consecutive RUNs (lines 2, 3)')
    expect(layerlab([loose, '--failure-threshold', 'none']).code).toBe(0)
  })

  it('reports a parse error at its line as an error, and usage errors with 2', () => {
    const broken = project('broken', 'FROM alpine:3.20\nFORM x\n')
    const { code, stdout } = layerlab([broken])
    expect(code).toBe(1)
    expect(stdout).toContain('broken/Dockerfile:2:1 parse error: unknown instruction: FORM (did you mean FROM?)')
    expect(layerlab([broken, '--failure-threshold', 'loud']).code).toBe(2)
    expect(layerlab([path.join(root, 'missing')])).toMatchObject({ code: 1, stderr: `layerlab: missing/Dockerfile: no such file\n` })
  })

  it('never writes into the project', () => {
    layerlab([node])
    expect(existsSync(path.join(node, '.dockerignore'))).toBe(false)
  })
})
