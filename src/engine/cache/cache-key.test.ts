import { describe, expect, it } from 'vitest'
import { cacheKey, chainKey, keyMaterial } from './cache-key'
import { parseStepRecord, stepIdentity } from './step-record'
import type { CopyOp, StepInputs } from './step-ops'

const PARENT = 'sha256:' + '1'.repeat(64)
const COPY: CopyOp = {
  type: 'copy', src: ['/a'], dest: '/a', chown: null, chmod: null, followSymlinks: true, dirContents: true,
  unpack: false, link: false, parents: false, excludes: [], checksum: null, keepGitDir: null,
}
const inputs: StepInputs = { v: 1, parent: PARENT, op: COPY, sources: [{ selector: '/a', digest: 'sha256:d', files: { a: 'sha256:d' } }] }

describe('cacheKey', () => {
  it('is sha256 of the canonical JSON, whatever order the fields were built in', () => {
    const key = cacheKey(inputs)
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/)
    const reordered = JSON.parse(JSON.stringify({ sources: inputs.sources, op: { ...COPY }, parent: PARENT, v: 1 })) as StepInputs
    expect(cacheKey(reordered)).toBe(key)
  })

  it('leaves the explanation and the per-file maps out', () => {
    const explained: StepInputs = { ...inputs, explain: { vars: { V: '1' }, buildArgs: ['V'] }, sources: [{ selector: '/a', digest: 'sha256:d' }] }
    expect(cacheKey(explained)).toBe(cacheKey(inputs))
    expect(keyMaterial(inputs)).toEqual({ v: 1, parent: PARENT, op: COPY, sources: [{ selector: '/a', digest: 'sha256:d' }] })
  })

  it('changes with the parent, the op and the source digest', () => {
    const key = cacheKey(inputs)
    expect(cacheKey({ ...inputs, parent: 'sha256:' + '2'.repeat(64) })).not.toBe(key)
    expect(cacheKey({ ...inputs, op: { ...COPY, dest: '/b' } })).not.toBe(key)
    expect(cacheKey({ ...inputs, sources: [{ selector: '/a', digest: 'sha256:e' }] })).not.toBe(key)
  })

  it('chains to the step’s own key, or after COPY --link to the merge of the parent and it', () => {
    expect(chainKey(PARENT, inputs)).toBe(cacheKey(inputs))
    const link: StepInputs = { ...inputs, parent: '', op: { ...COPY, link: true } }
    const other = 'sha256:' + '2'.repeat(64)
    expect(chainKey(PARENT, link)).not.toBe(cacheKey(link))
    expect(chainKey(PARENT, link)).not.toBe(chainKey(other, link))
    expect(chainKey('', link)).toBe(cacheKey(link))
  })
})

describe('step records', () => {
  it('names a step by Dockerfile, stage and keyed ordinal; stage names are case-insensitive', () => {
    const id = stepIdentity('/p/Dockerfile', 'Build', 2)
    expect(id).toBe(stepIdentity('/p/Dockerfile', 'build', 2))
    expect(new Set([id, stepIdentity('/p/Dockerfile', 'build', 3), stepIdentity('/q/Dockerfile', 'build', 2), stepIdentity('/p/Dockerfile', 0, 2)]).size).toBe(4)
  })

  it('reads back what was stored, and nothing else', () => {
    const record = { instruction: 'COPY a /a', inputs }
    expect(parseStepRecord(JSON.parse(JSON.stringify(record)))).toEqual(record)
    for (const bad of [
      null,
      'x',
      { instruction: 'COPY a /a' },
      { instruction: 'COPY a /a', inputs: { ...inputs, v: 2 } },
      { instruction: 'COPY a /a', inputs: { ...inputs, op: { type: 'copy' } } },
      { instruction: 'COPY a /a', inputs: { ...inputs, op: { type: 'mystery' } } },
      { instruction: 'COPY a /a', inputs: { ...inputs, sources: [{ selector: '/a' }] } },
      { instruction: 'RUN x', inputs: { v: 1, parent: '', op: { type: 'run', args: ['x'], env: 'A=1' } } },
    ]) {
      expect(parseStepRecord(bad)).toBeUndefined()
    }
  })
})
