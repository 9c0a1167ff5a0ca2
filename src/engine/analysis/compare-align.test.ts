import { describe, expect, it } from 'vitest'
import { alignLayers, normalizeInstruction, type AlignKey } from './compare-align'

const step = (instruction: string, diffId?: string): AlignKey => ({ instruction: normalizeInstruction(instruction), ...(diffId ? { diffId } : {}) })
/** Pairs as "a-b" strings ('-' for a missing side, '*' when moved). */
const show = (a: AlignKey[], b: AlignKey[]): string[] =>
  alignLayers(a, b).map((p) => `${p.a ?? '-'}:${p.b ?? '-'}${p.moved ? '*' : ''}`)

const base = step('ADD file:0123456789abcdef0123 in /', 'sha256:base')
const copyPkg = step('COPY package.json /app/')
const install = step('RUN npm ci')
const copyAll = step('COPY . /app')

describe('normalizeInstruction', () => {
  it('spells one step the same whoever reports it', () => {
    const forms = ['RUN apt-get update', 'RUN /bin/sh -c apt-get update # buildkit', '/bin/sh -c apt-get update', 'RUN |1 X=2 /bin/sh -c apt-get update # buildkit', '|1 X=2 /bin/sh -c apt-get   update', 'RUN --mount=type=cache,target=/var/cache apt-get update']
    expect(new Set(forms.map(normalizeInstruction))).toEqual(new Set(['RUN apt-get update']))
    expect(normalizeInstruction('COPY a.txt /app/ # buildkit')).toBe(normalizeInstruction('copy a.txt /app/'))
    expect(normalizeInstruction('/bin/sh -c #(nop) COPY file:4f1ac6d1f0a9c3b2e7d5 in /app')).toBe(normalizeInstruction('/bin/sh -c #(nop) COPY file:99aa00bb11cc22dd33ee in /app'))
    expect(normalizeInstruction('COPY a.txt /app/')).not.toBe(normalizeInstruction('COPY b.txt /app/'))
  })
})

describe('alignLayers', () => {
  it('pairs identical images one to one', () => {
    const layers = [base, copyPkg, install, copyAll]
    expect(show(layers, layers)).toEqual(['0:0', '1:1', '2:2', '3:3'])
  })

  it('keeps the rest paired around an inserted step', () => {
    const b = [base, copyPkg, step('RUN npm run lint'), install, copyAll]
    expect(show([base, copyPkg, install, copyAll], b)).toEqual(['0:0', '1:1', '-:2', '2:3', '3:4'])
  })

  it('keeps the rest paired around a deleted step', () => {
    expect(show([base, copyPkg, install, copyAll], [base, install, copyAll])).toEqual(['0:0', '1:-', '2:1', '3:2'])
  })

  it('pairs a reordered step as moved, at its new place', () => {
    expect(show([base, copyPkg, install, copyAll], [base, copyAll, copyPkg, install])).toEqual(['0:0', '3:1*', '1:2', '2:3'])
  })

  it('pairs layers by diffID before instruction, and a changed step stays one pair', () => {
    // B rebuilt its base (other diffID, same created_by) and edited the command of a RUN.
    const a = [base, step('RUN make', 'sha256:m1'), step('COPY out /out', 'sha256:o1')]
    const b = [step('ADD file:ffffffffffffffffffff in /', 'sha256:base2'), step('RUN make', 'sha256:m2'), step('COPY out /out', 'sha256:o1')]
    expect(show(a, b)).toEqual(['0:0', '1:1', '2:2'])
    // A replaced command is not the same step: removed, then added.
    expect(show([base, step('RUN make')], [base, step('RUN make all')])).toEqual(['0:0', '1:-', '-:1'])
  })
})
