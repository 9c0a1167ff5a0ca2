import { Text } from '@codemirror/state'
import { describe, expect, it } from 'vitest'
import { emptyLog } from '../build/log-lines'
import type { StepView } from '../build/build-stream'
import { lspFromOffset, offsetFromEngine, offsetFromLsp, plainSnippet, stepMarks, visibleRange, instructionStartLine } from './positions'

const doc = Text.of(['FROM scratch', 'COPY a /a', ''])

describe('editor positions', () => {
  it('converts LSP and engine positions to offsets and back, clamped to the text', () => {
    expect(offsetFromLsp(doc, { line: 1, character: 5 })).toBe(18)
    expect(lspFromOffset(doc, 18)).toEqual({ line: 1, character: 5 })
    expect(offsetFromLsp(doc, { line: 9, character: 99 })).toBe(doc.length)
    expect(offsetFromEngine(doc, { line: 2, column: 1 })).toBe(13)
    expect(offsetFromEngine(doc, { line: 2, column: 400 })).toBe(22)
    expect(visibleRange(doc, 13, 13)).toEqual({ from: 13, to: 22 })
    expect(visibleRange(doc, 22, 22)).toEqual({ from: 13, to: 22 })
  })

  it('reduces snippets to their default text', () => {
    expect(plainSnippet('COPY ${1:source} ${2:dest}$0')).toBe('COPY source dest')
  })

  it('makes one mark per instruction line with the reason of a miss', () => {
    const step = (line: number, state: StepView['state'], reason?: string): StepView => ({
      id: `s${line}`,
      stage: 0,
      index: line,
      instruction: 'X',
      line,
      state,
      logs: emptyLog,
      ...(reason ? { reason } : {}),
    })
    expect(stepMarks([step(2, 'built', 'a changed'), step(1, 'cached')])).toEqual([
      { line: 1, status: 'cached', title: 'Line 1: cached' },
      { line: 2, status: 'built', title: 'Line 2: built — a changed' },
    ])
  })
})

describe('instructionStartLine', () => {
  const doc = (text: string) => Text.of(text.split('\n'))

  it('finds the first line of a continued instruction, over comments inside it', () => {
    const d = doc('FROM busybox\nRUN echo a \\\n  && echo b \\\n# a comment\n  && echo c\nCOPY x /x\n')
    expect([1, 2, 3, 4, 5, 6].map((n) => instructionStartLine(d, n))).toEqual([1, 2, 2, 2, 2, 6])
  })

  it('does not join a line to a comment that happens to end with a backslash', () => {
    const d = doc('FROM busybox\n# path C:\\\nCOPY a /a')
    expect(instructionStartLine(d, 3)).toBe(3)
  })

  it('follows the escape directive', () => {
    const d = doc('# escape=`\nFROM busybox\nRUN dir `\n  c:\\\nCOPY a /a')
    expect([3, 4, 5].map((n) => instructionStartLine(d, n))).toEqual([3, 3, 5])
  })
})
