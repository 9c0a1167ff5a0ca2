import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findCorpus } from '../../../scripts/conformance-corpus'

// Through the real `layerlab` binary, as the "done when" states it.
const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))
const layerlab = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [bin, 'parse', ...args], { encoding: 'utf8', input, timeout: 20_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const corpus = findCorpus('Dockerfile parser corpus', 'buildkit/frontend/dockerfile/parser/testfiles')
const testfiles = path.join(corpus.dir, 'buildkit/frontend/dockerfile/parser/testfiles')
const cases = corpus.available ? readdirSync(testfiles).sort() : []

describe('layerlab parse --format dump', () => {
  it.skipIf(!corpus.available)('prints exactly BuildKit\'s result for every corpus case', () => {
    const mismatched = cases.filter((name) => {
      const { code, stdout } = layerlab(['--format', 'dump', '-f', path.join(testfiles, name, 'Dockerfile')])
      return code !== 0 || stdout !== readFileSync(path.join(testfiles, name, 'result'), 'utf8')
    })
    console.log(`layerlab parse --format dump: ${cases.length - mismatched.length}/${cases.length} corpus cases equal BuildKit's result`)
    expect(mismatched).toEqual([])
    expect(cases.length).toBe(33)
  }, 60_000)
})

describe('layerlab parse', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-parse-'))

  it('prints instructions with ranges, flags, args and heredocs as JSON, reading stdin with -f -', () => {
    const { code, stdout } = layerlab(['-f', '-'], 'FROM busybox AS base\nCOPY --chmod=644 <<EOF /x\nhi\nEOF\n')
    expect(code).toBe(0)
    const json = JSON.parse(stdout) as { instructions: { keyword: string; flags: { value: string }[]; args: { value: string }[]; heredocs: { name: string; content: string }[]; range: unknown }[] }
    expect(json.instructions.map((i) => i.keyword)).toEqual(['from', 'copy'])
    expect(json.instructions[0]?.args.map((a) => a.value)).toEqual(['busybox', 'AS', 'base'])
    expect(json.instructions[1]).toMatchObject({
      flags: [{ value: '--chmod=644' }],
      heredocs: [{ name: 'EOF', content: 'hi\n' }],
      range: { start: { line: 2, column: 1 }, end: { line: 4 } },
    })
  })

  it('reports a bad Dockerfile with its file, line and column, no stack trace', () => {
    const file = path.join(dir, 'Dockerfile')
    writeFileSync(file, 'FROM busybox\n\nFORM scratch\n')
    const { code, stderr } = layerlab(['-f', file])
    expect(code).toBe(1)
    expect(stderr).toBe(`layerlab: ${file}:3:1: unknown instruction: FORM (did you mean FROM?)\n`)
  })

  it('lists the stages with their bases and the stages and images they read', () => {
    const { code, stdout } = layerlab(['-f', '-'], 'FROM busybox AS base\nRUN echo\nFROM scratch\nCOPY --from=base /bin/sh /sh\n')
    expect(code).toBe(0)
    const { stages } = JSON.parse(stdout) as { stages: unknown[] }
    expect(stages).toMatchObject([
      { index: 0, name: 'base', base: { expanded: 'busybox', scratch: false }, instructions: [{ kind: 'run', line: 2 }] },
      { index: 1, name: null, base: { scratch: true }, dependencies: [{ on: 0, via: 'copy', reference: 'base', line: 4 }] },
    ])
  })

  it('points an instruction-level error at its flag', () => {
    const { code, stderr } = layerlab(['-f', '-'], 'FROM busybox\nCOPY --chwon=1 a b\n')
    expect(code).toBe(1)
    expect(stderr).toBe('layerlab: <stdin>:2:6: unknown flag: --chwon (did you mean chown?)\n')
  })

  it('says so when the file does not exist', () => {
    const { code, stderr } = layerlab(['-f', path.join(dir, 'nope')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/nope: no such file/)
  })

  it('refuses an unknown format', () => {
    expect(layerlab(['--format', 'yaml']).code).toBe(2)
  })
})
