import { describe, expect, it } from 'vitest'
import type { CopyOp } from './step-ops'
import type { StepRecord } from './step-record'
import { stepRecordFingerprint } from './step-record'

const digestA = `sha256:${'a'.repeat(64)}`
const digestB = `sha256:${'b'.repeat(64)}`

const copyOp = (dest: string): CopyOp => ({
  type: 'copy',
  src: ['/'],
  dest,
  chown: null,
  chmod: null,
  followSymlinks: true,
  dirContents: true,
  unpack: false,
  link: false,
  parents: false,
  excludes: [],
  checksum: null,
  keepGitDir: null,
})

function copyRecord(over: { digest?: string; files?: Record<string, string> | null; dest?: string; instruction?: string } = {}): StepRecord {
  const files = over.files === null ? undefined : (over.files ?? { 'src/a.ts': digestA, 'src/b.ts': digestB })
  return {
    instruction: over.instruction ?? 'COPY . /app/',
    inputs: {
      v: 1,
      parent: digestA,
      op: copyOp(over.dest ?? '/app/'),
      sources: [{ selector: '/', digest: over.digest ?? digestB, ...(files ? { files } : {}) }],
      explain: { vars: { APP: '/app' } },
    },
  }
}

describe('stepRecordFingerprint', () => {
  it('is the same for equal records, built separately', () => {
    expect(stepRecordFingerprint(copyRecord())).toBe(stepRecordFingerprint(copyRecord()))
  })

  it('changes with the instruction, the op, a source digest, the explanation, or whether per-file maps are kept', () => {
    const base = stepRecordFingerprint(copyRecord())
    const changed = [
      copyRecord({ instruction: 'COPY  . /app/' }),
      copyRecord({ dest: '/srv/' }),
      copyRecord({ digest: digestA }),
      copyRecord({ files: null }),
      { ...copyRecord(), inputs: { ...copyRecord().inputs, explain: { vars: { APP: '/srv' } } } },
      { ...copyRecord(), inputs: { ...copyRecord().inputs, parent: digestB } },
    ].map(stepRecordFingerprint)
    for (const f of changed) expect(f).not.toBe(base)
    expect(new Set(changed).size).toBe(changed.length)
  })
})
