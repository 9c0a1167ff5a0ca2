import { describe, expect, it } from 'vitest'
import { describeMissReason, type MissReason } from './build-events'

describe('describeMissReason', () => {
  const cases: [MissReason, string][] = [
    [{ kind: 'first-build' }, 'first build'],
    [{ kind: 'no-cache' }, '--no-cache'],
    [
      { kind: 'instruction-changed', was: 'RUN cat /dep.txt', now: 'RUN cat  /dep.txt' },
      'instruction changed: "RUN cat  /dep.txt" (was "RUN cat /dep.txt")',
    ],
    [
      { kind: 'files-changed', changed: ['src/app.ts'], added: ['src/new.ts'], removed: [] },
      'src/app.ts changed; src/new.ts added',
    ],
    [
      { kind: 'files-changed', changed: ['a', 'b', 'c', 'd', 'e'], added: [], removed: ['x'] },
      'a, b, c and 2 more changed; x removed',
    ],
    [{ kind: 'build-arg-changed', name: 'V', was: '1', now: '2' }, 'build arg V: 1 → 2'],
    [{ kind: 'build-arg-changed', name: 'V', now: '2' }, 'build arg V: (unset) → 2'],
    [
      { kind: 'parent-rebuilt', parentStepId: '0.3', parentIndex: 3, parentInstruction: 'COPY . .' },
      'parent step 3 was rebuilt (COPY . .)',
    ],
  ]
  it.each(cases)('%j reads "%s"', (reason, text) => {
    expect(describeMissReason(reason)).toBe(text)
  })
})
