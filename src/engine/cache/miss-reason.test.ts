// explainMiss on hand-made records: each rule of precedence, and the exact text the timeline
// shows for it (describeMissReason). Whole-Dockerfile scenarios are in build-scenarios.test.ts.

import { describe, expect, it } from 'vitest'
import { describeMissReason } from '../../shared/build-events'
import type { MissReason } from '../../shared/build-events'
import { explainMiss } from './miss-reason'
import type { MissContext } from './miss-reason'
import type { CopyOp, MountOp, RunOp, SourceInput, StepInputs } from './step-ops'
import type { StepRecord } from './step-record'

const K1 = 'sha256:' + '1'.repeat(64)
const K2 = 'sha256:' + '2'.repeat(64)

const RUN: RunOp = {
  type: 'run', args: ['/bin/sh', '-c', 'make'], heredocs: [], env: ['PATH=/bin'], cwd: '/', user: '',
  network: 'default', security: 'sandbox', mounts: [], devices: [], platform: 'linux/amd64',
}
const COPY: CopyOp = {
  type: 'copy', src: ['/src'], dest: '/app/', chown: null, chmod: null, followSymlinks: true, dirContents: true,
  unpack: false, link: false, parents: false, excludes: [], checksum: null, keepGitDir: null,
}

function rec(instruction: string, op: StepInputs['op'], more: Partial<StepInputs> = {}): StepRecord {
  return { instruction, inputs: { v: 1, parent: K1, op, ...more } }
}
const runRec = (op: Partial<RunOp> = {}, more?: Partial<StepInputs>, text = 'RUN make') => rec(text, { ...RUN, ...op }, more)
const copyRec = (sources: SourceInput[], op: Partial<CopyOp> = {}, text = 'COPY src /app/') => rec(text, { ...COPY, ...op }, { sources })
const src = (digest: string, files?: Record<string, string>): SourceInput => ({ selector: '/src', digest, ...(files ? { files } : {}) })

const PARENT_3 = { stepId: '0.3', index: 3, instruction: 'RUN apt-get update' }

interface Case {
  readonly name: string
  readonly now: StepRecord
  readonly was: StepRecord | undefined
  readonly ctx?: MissContext
  readonly text: string
  readonly kind?: MissReason['kind']
}

const cases: Case[] = [
  { name: '--no-cache wins over everything', now: runRec(), was: runRec({ cwd: '/x' }), ctx: { noCache: true }, text: '--no-cache', kind: 'no-cache' },
  { name: 'no record for this step', now: runRec(), was: undefined, text: 'first build', kind: 'first-build' },
  {
    name: 'the step’s own text changed',
    now: runRec({ args: ['/bin/sh', '-c', 'cat  /dep.txt'] }, {}, 'RUN cat  /dep.txt'),
    was: runRec({ args: ['/bin/sh', '-c', 'cat /dep.txt'] }, {}, 'RUN cat /dep.txt'),
    ctx: { parentRebuilt: PARENT_3 },
    text: 'instruction changed: "RUN cat  /dep.txt" (was "RUN cat /dep.txt")',
    kind: 'instruction-changed',
  },
  {
    name: 'a text edit that changes nothing keyed is not the cause',
    now: copyRec([src('sha256:b', { 'src/app.ts': 'b' })], {}, 'COPY  src /app/'),
    was: copyRec([src('sha256:a', { 'src/app.ts': 'a' })]),
    text: 'src/app.ts changed',
    kind: 'files-changed',
  },
  {
    name: 'a build arg’s value in the RUN env',
    now: runRec({ env: ['PATH=/bin', 'V=2'] }, { explain: { buildArgs: ['V'] } }),
    was: runRec({ env: ['PATH=/bin', 'V=1'] }, { explain: { buildArgs: ['V'] } }),
    ctx: { parentRebuilt: PARENT_3 },
    text: 'build arg V: 1 → 2',
    kind: 'build-arg-changed',
  },
  {
    name: 'a build arg before an ENV that changed with it',
    now: runRec({ env: ['X=b', 'V=2'] }, { explain: { buildArgs: ['V'] } }),
    was: runRec({ env: ['X=a', 'V=1'] }, { explain: { buildArgs: ['V'] } }),
    text: 'build arg V: 1 → 2',
  },
  {
    name: 'a build arg given for the first time',
    now: runRec({ env: ['PATH=/bin', 'V=1'] }, { explain: { buildArgs: ['V'] } }),
    was: runRec(),
    text: 'build arg V: (unset) → 1',
  },
  { name: 'an ENV value', now: runRec({ env: ['PATH=/usr/bin'] }), was: runRec(), text: 'ENV PATH: /bin → /usr/bin', kind: 'env-changed' },
  { name: 'an ENV removed', now: runRec(), was: runRec({ env: ['PATH=/bin', 'X=1'] }), text: 'ENV X: 1 → (unset)' },
  {
    name: 'a variable named in a COPY',
    now: rec('COPY src $D/', { ...COPY, dest: '/y/' }, { sources: [src('sha256:a')], explain: { vars: { D: '/y' } } }),
    was: rec('COPY src $D/', { ...COPY, dest: '/x/' }, { sources: [src('sha256:a')], explain: { vars: { D: '/x' } } }),
    text: 'ENV D: /x → /y',
  },
  {
    name: 'files: changed, added and removed, sorted',
    now: copyRec([src('sha256:b', { 'src/z.ts': '1', 'src/app.ts': '2', 'src/new.ts': '3', 'src/b.ts': '4' })]),
    was: copyRec([src('sha256:a', { 'src/z.ts': '1', 'src/app.ts': '1', 'src/old.ts': '3', 'src/b.ts': '1' })]),
    ctx: { parentRebuilt: PARENT_3 },
    text: 'src/app.ts, src/b.ts changed; src/new.ts added; src/old.ts removed',
  },
  { name: 'files: without per-file maps, the source as a whole', now: copyRec([src('sha256:b')]), was: copyRec([src('sha256:a')]), text: 'src changed' },
  {
    name: 'files: the aggregate moved but no file did (a directory’s own mode)',
    now: copyRec([src('sha256:b', { 'src/a': '1' })]),
    was: copyRec([src('sha256:a', { 'src/a': '1' })]),
    text: 'source files changed',
  },
  {
    name: 'the base image',
    now: rec('FROM alpine', { type: 'from', base: `image:sha256:${'b'.repeat(64)}|linux/amd64` }, { parent: '', explain: { ref: 'alpine' } }),
    was: rec('FROM alpine', { type: 'from', base: `image:sha256:${'a'.repeat(64)}|linux/amd64` }, { parent: '', explain: { ref: 'alpine' } }),
    text: 'base image changed: alpine@sha256:bbbbbbbbbbbb (was alpine@sha256:aaaaaaaaaaaa)',
    kind: 'base-changed',
  },
  {
    name: 'the base image’s platform',
    now: rec('FROM alpine', { type: 'from', base: 'image:sha256:a|linux/arm64' }, { parent: '', explain: { ref: 'alpine' } }),
    was: rec('FROM alpine', { type: 'from', base: 'image:sha256:a|linux/amd64' }, { parent: '', explain: { ref: 'alpine' } }),
    text: 'base image changed: alpine@sha256:a (linux/arm64) (was alpine@sha256:a (linux/amd64))',
  },
  {
    name: 'the parent was rebuilt and nothing of the step’s own changed',
    now: runRec({}, { parent: K2 }),
    was: runRec(),
    ctx: { parentRebuilt: PARENT_3 },
    text: 'parent step 3 was rebuilt (RUN apt-get update)',
    kind: 'parent-rebuilt',
  },
  { name: 'the parent changed, nobody said which', now: runRec({}, { parent: K2 }), was: runRec(), text: 'the layer below it changed', kind: 'other' },
  { name: 'WORKDIR', now: runRec({ cwd: '/b' }, { parent: K2 }), was: runRec({ cwd: '/a' }), ctx: { parentRebuilt: PARENT_3 }, text: 'WORKDIR changed: /a → /b' },
  { name: 'USER', now: runRec({ user: 'app' }), was: runRec(), text: 'USER changed: (default) → app' },
  { name: 'SHELL', now: runRec({ args: ['/bin/bash', '-c', 'make'] }), was: runRec(), text: 'SHELL changed: ["/bin/sh","-c"] → ["/bin/bash","-c"]' },
  { name: 'env order only', now: runRec({ env: ['B=2', 'A=1'] }), was: runRec({ env: ['A=1', 'B=2'] }), text: 'environment order changed' },
  { name: 'platform', now: runRec({ platform: 'linux/arm64' }), was: runRec(), text: 'platform changed: linux/amd64 → linux/arm64' },
  {
    name: 'a bind mount’s content',
    now: runRec({ mounts: [{ type: 'bind', target: '/s', readonly: true, source: '/go.sum', content: 'sha256:b' } satisfies MountOp] }),
    was: runRec({ mounts: [{ type: 'bind', target: '/s', readonly: true, source: '/go.sum', content: 'sha256:a' }] }),
    text: '--mount bind target=/s: source content changed',
  },
  { name: 'a heredoc body', now: runRec({ heredocs: [{ name: 'EOF', content: 'b', chomp: false }] }), was: runRec({ heredocs: [{ name: 'EOF', content: 'a', chomp: false }] }), text: 'heredoc <<EOF changed' },
  { name: 'a COPY destination moved with WORKDIR', now: copyRec([src('sha256:a')], { dest: '/b/' }, 'COPY src .'), was: copyRec([src('sha256:a')], {}, 'COPY src .'), text: 'destination changed: /app/ → /b/' },
  { name: 'a COPY mode from a variable', now: copyRec([src('sha256:a')], { chmod: 0o600 }), was: copyRec([src('sha256:a')], { chmod: 0o644 }), text: '--chmod changed: 0644 → 0600' },
  {
    name: 'a WORKDIR owner',
    now: rec('WORKDIR /w', { type: 'mkdir', path: '/w', mode: 0o755, parents: true, owner: 'app' }),
    was: rec('WORKDIR /w', { type: 'mkdir', path: '/w', mode: 0o755, parents: true, owner: '' }),
    text: 'USER changed: (default) → app',
  },
  { name: 'identical inputs: the entry is gone', now: runRec(), was: runRec(), text: 'no cache entry for unchanged inputs (pruned, or its layer is missing)' },
]

describe('explainMiss', () => {
  it.each(cases)('$name', ({ now, was, ctx, text, kind }) => {
    const reason = explainMiss(now, was, ctx)
    if (kind !== undefined) expect(reason.kind).toBe(kind)
    expect(describeMissReason(reason)).toBe(text)
  })

  it('fills the parent-rebuilt reason from the context', () => {
    expect(explainMiss(runRec({}, { parent: K2 }), runRec(), { parentRebuilt: PARENT_3 })).toEqual({
      kind: 'parent-rebuilt',
      parentStepId: '0.3',
      parentIndex: 3,
      parentInstruction: 'RUN apt-get update',
    })
  })

  it('leaves was/now out for an unset value', () => {
    expect(explainMiss(runRec({ env: [] }), runRec({ env: ['X=1'] }))).toEqual({ kind: 'env-changed', name: 'X', was: '1' })
  })
})
