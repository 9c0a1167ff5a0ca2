import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The CLI bundle is split per command (scripts/build-cli.mjs): each command loads and compiles
// only its own modules on every start. This builds it into a temp dir and reads esbuild's
// metafile to check what each command's start would load.
const root = fileURLToPath(new URL('..', import.meta.url))

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>
}

let outdir: string
let meta: Metafile

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-cli-bundle-'))
  const metafile = path.join(outdir, 'meta.json')
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--outdir', path.join(outdir, 'cli'), '--metafile', metafile], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(built.status, built.stderr).toBe(0)
  meta = JSON.parse(readFileSync(metafile, 'utf8')) as Metafile
}, 90_000)

afterAll(() => rmSync(outdir, { recursive: true, force: true }))

/** The source files a start loads: an output file and everything it imports statically. */
function loadedSources(output: string): Set<string> {
  const files = new Set<string>()
  const seen = new Set<string>()
  const pending = [output]
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    const out = meta.outputs[file]
    if (!out) throw new Error(`no output ${file} in the metafile`)
    for (const input of Object.keys(out.inputs)) files.add(input)
    for (const i of out.imports) if (!i.external && i.kind !== 'dynamic-import') pending.push(i.path)
  }
  return files
}

function commandChunk(name: string): string {
  const found = Object.keys(meta.outputs).find((o) => path.basename(o).startsWith(`${name}-`) && o.endsWith('.js'))
  if (!found) throw new Error(`no chunk for the ${name} command`)
  return found
}

const entry = () => Object.keys(meta.outputs).find((o) => o.endsWith('/cli/index.js')) as string
const any = (files: Set<string>, pattern: RegExp) => [...files].filter((f) => pattern.test(f))

describe('the CLI bundle', () => {
  it('starts without loading any command: --help and --version load only the command table', () => {
    const files = loadedSources(entry())
    expect(any(files, /^src\/engine\//)).toEqual([])
    expect(any(files, /node_modules\//)).toEqual([])
    const version = spawnSync(process.execPath, [path.join(outdir, 'cli', 'index.js'), '--version'], { encoding: 'utf8' })
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('loads the embedded engine for `layerlab build`, without the web server, the analysis, the Docker backend or the registry client', () => {
    const files = loadedSources(commandChunk('build'))
    expect(files).toContain('src/engine/build/embedded-backend.ts')
    expect(files).toContain('src/engine/context/context-walk.ts')
    expect(any(files, /node_modules\/(ws|protobufjs|long)\//)).toEqual([])
    // The Docker backend and base-image pulls are imported when asked for (--backend docker, a missing FROM image).
    expect(any(files, /^src\/engine\/(analysis\/|docker\/|registry\/|api)/)).toEqual([])
  })

  it('keeps the web server to `layerlab serve`', () => {
    expect(any(loadedSources(commandChunk('serve')), /node_modules\/ws\//).length).toBeGreaterThan(0)
    for (const command of ['parse', 'store', 'registry', 'image-io']) {
      expect(any(loadedSources(commandChunk(command)), /node_modules\/ws\//), command).toEqual([])
    }
  })
})
