import { describe, expect, it } from 'vitest'
import { parseDockerfile } from './index'
import type { ArgumentNode, InstructionNode, SourceRange } from './index'

const at = (line: number, column: number, endLine: number, endColumn: number): SourceRange => ({
  start: { line, column },
  end: { line: endLine, column: endColumn },
})

function args(node: InstructionNode | undefined): ArgumentNode[] {
  const out: ArgumentNode[] = []
  for (let arg = node?.next ?? null; arg; arg = arg.next) out.push(arg)
  return out
}

/** The source text a range covers, for ranges on one line. */
function textOf(source: string, range: SourceRange): string {
  const line = source.split('\n')[range.start.line - 1] ?? ''
  return line.slice(range.start.column - 1, range.end.column - 1)
}

describe('source ranges', () => {
  it('spans each instruction from its first to its last non-blank character', () => {
    const source = 'FROM alpine\n\n   RUN echo a \\\n     b   \nCOPY . /x'
    const { ast } = parseDockerfile(source)
    expect(ast.children.map((c) => c.range)).toEqual([at(1, 1, 1, 12), at(3, 4, 4, 7), at(5, 1, 5, 10)])
    expect(ast.range).toEqual(at(1, 1, 5, 10))
    expect([ast.startLine, ast.endLine]).toEqual([1, 5])
  })

  it('locates whitespace-split arguments and flags', () => {
    const source = 'FROM a\nCOPY --chown=1:2   --chmod="7 5" src/   /dst/'
    const copy = parseDockerfile(source).ast.children[1]
    expect(copy?.flags.map((f) => [f.value, textOf(source, f.range)])).toEqual([
      ['--chown=1:2', '--chown=1:2'],
      ['--chmod=7 5', '--chmod="7 5"'],
    ])
    expect(args(copy).map((a) => textOf(source, a.range))).toEqual(['src/', '/dst/'])
  })

  it('locates JSON elements by their tokens, quotes included', () => {
    const source = 'CMD [ "a b", "\\u0041" ]'
    const cmd = parseDockerfile(source, { rejectUnknownInstructions: false }).ast.children[0]
    expect(args(cmd).map((a) => (a.kind === 'value' ? [a.value, textOf(source, a.range)] : []))).toEqual([
      ['a b', '"a b"'],
      ['A', '"\\u0041"'],
    ])
  })

  it('locates ENV keys, values and separators', () => {
    const source = 'FROM a\nENV one=1 two="2 2"\nENV legacy  some value'
    const [, modern, legacy] = parseDockerfile(source).ast.children
    expect(args(modern).map((a) => textOf(source, a.range))).toEqual(['one', '1', '=', 'two', '"2 2"', '='])
    expect(args(legacy).map((a) => textOf(source, a.range))).toEqual(['legacy', 'some value', '  '])
  })

  it('maps arguments that continue over several lines to the right lines', () => {
    const source = 'FROM a\nRUN ["echo", \\\n  "x", \\\n  "y"]'
    const run = parseDockerfile(source).ast.children[1]
    expect(args(run).map((a) => a.range)).toEqual([at(2, 6, 2, 12), at(3, 3, 3, 6), at(4, 3, 4, 6)])
    expect(run?.range).toEqual(at(2, 1, 4, 7))
  })

  it('never ends a range at the start of the next line', () => {
    const source = 'FROM a\nRUN echo \\\nhi'
    const run = parseDockerfile(source).ast.children[1]
    // "echo " ends line 2 and "hi" starts line 3: one argument spanning both lines.
    expect(args(run)[0]?.range).toEqual(at(2, 5, 3, 3))
  })

  it('gives an ONBUILD sub-instruction the range of its own text', () => {
    const source = 'FROM a\nONBUILD RUN --mount=x make'
    const onbuild = parseDockerfile(source).ast.children[1]
    const sub = onbuild?.next
    expect(sub?.kind).toBe('subcommand')
    if (sub?.kind !== 'subcommand') return
    expect(textOf(source, sub.range)).toBe('RUN --mount=x make')
    expect(sub.instruction.flags.map((f) => textOf(source, f.range))).toEqual(['--mount=x'])
    expect(args(sub.instruction).map((a) => textOf(source, a.range))).toEqual(['make'])
  })

  it('covers heredoc bodies in the instruction and gives each heredoc its own lines', () => {
    const source = 'FROM a\nCOPY <<A <<B /d/\none\nA\ntwo\n  B\nB\nRUN x'
    const { ast } = parseDockerfile(source)
    const copy = ast.children[1]
    expect([copy?.startLine, copy?.endLine]).toEqual([2, 7])
    expect(copy?.range).toEqual(at(2, 1, 7, 2))
    expect(copy?.heredocs.map((h) => [h.name, h.content, h.range])).toEqual([
      ['A', 'one\n', at(3, 1, 4, 2)],
      ['B', 'two\n  B\n', at(5, 1, 7, 2)],
    ])
    expect(ast.children[2]?.startLine).toBe(8)
  })

  it('does not count a first-line BOM in columns', () => {
    const { ast } = parseDockerfile('\uFEFFFROM a')
    expect(ast.children[0]?.range).toEqual(at(1, 1, 1, 7))
    expect(args(ast.children[0])[0]?.range).toEqual(at(1, 6, 1, 7))
  })

  it('gives every node of a realistic file a range inside the file', () => {
    const source = [
      '# syntax=docker/dockerfile:1',
      'FROM golang:1.22 AS build',
      'WORKDIR /src',
      'COPY --link go.mod go.sum ./',
      'RUN --mount=type=cache,target=/root/.cache \\',
      '    go build -o /out/app ./cmd/app',
      'FROM scratch',
      'COPY --from=build /out/app /app',
      'ENTRYPOINT ["/app"]',
    ].join('\n')
    const { ast } = parseDockerfile(source)
    const lineCount = source.split('\n').length
    const check = (range: SourceRange) => {
      expect(range.start.line).toBeGreaterThanOrEqual(1)
      expect(range.end.line).toBeLessThanOrEqual(lineCount)
      expect(range.start.column).toBeGreaterThanOrEqual(1)
      expect(range.end.line > range.start.line || range.end.column >= range.start.column).toBe(true)
    }
    for (const node of ast.children) {
      check(node.range)
      node.flags.forEach((f) => check(f.range))
      args(node).forEach((a) => check(a.range))
    }
  })
})
