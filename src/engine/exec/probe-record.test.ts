import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findExecutable } from './host-tools'
import { recalledProbe, recordProbe } from './probe-record'
import type { SandboxTools } from './sandbox-args'

const names = ['bwrap', 'unshare', 'setpriv', 'mount', 'tar', 'sh', 'mkdir'] as const
const found = Object.fromEntries(names.map((n) => [n, findExecutable(n)]))
const haveTools = names.every((n) => found[n] !== undefined)
const tools = found as unknown as SandboxTools

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const stateDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'layerlab-probe-'))
  dirs.push(d)
  return d
}

describe.skipIf(!haveTools)('the remembered sandbox probe', () => {
  it('is recalled for the same state dir and mode, and not for the other mode', () => {
    const dir = stateDir()
    expect(recalledProbe(dir, true)).toBeUndefined()
    recordProbe(dir, true, tools)
    expect(recalledProbe(dir, true)).toEqual(tools)
    expect(recalledProbe(dir, false)).toBeUndefined()
  })

  it('is not trusted once what it depended on changed, or when the record is damaged', () => {
    const dir = stateDir()
    recordProbe(dir, true, tools)
    const file = join(dir, 'sandbox-probe.json')
    const record = JSON.parse(readFileSync(file, 'utf8')) as { key: string; tools: SandboxTools }
    // As if the kernel had been upgraded since.
    writeFileSync(file, JSON.stringify({ ...record, key: record.key.replace(/"kernel":"[^"]*"/, '"kernel":"0.0.0-older"') }))
    expect(recalledProbe(dir, true)).toBeUndefined()
    writeFileSync(file, JSON.stringify({ ...record, tools: { ...record.tools, bwrap: 42 } }))
    expect(recalledProbe(dir, true)).toBeUndefined()
    writeFileSync(file, '{ not json')
    expect(recalledProbe(dir, true)).toBeUndefined()
    expect(recalledProbe(join(dir, 'missing'), true)).toBeUndefined()
  })
})
