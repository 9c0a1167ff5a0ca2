import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import type { BuildOptions } from './args'
import { InstructionError } from './errors'
import { parseStages } from './stages'

const stagesOf = (text: string, options?: BuildOptions) => parseStages(parseDockerfile(text), options)

function failure(text: string, options?: BuildOptions): InstructionError {
  try {
    stagesOf(text, options)
  } catch (err) {
    expect(err).toBeInstanceOf(InstructionError)
    return err as InstructionError
  }
  throw new Error('no error')
}

describe('parseStages: splitting', () => {
  it('groups instructions under their FROM and keeps ARGs before the first FROM global', () => {
    const result = stagesOf('ARG A=1\nARG B\nFROM x AS one\nRUN a\nFROM one\nARG A\nCOPY a b\n')
    expect(result.metaArgs.map((a) => a.args)).toEqual([[{ key: 'A', value: '1' }], [{ key: 'B', value: null }]])
    expect(result.stages.map((s) => [s.index, s.name, s.label, s.instructions.map((c) => c.kind)])).toEqual([
      [0, 'one', 'one', ['run']],
      [1, null, 'stage-1', ['arg', 'copy']],
    ])
    expect(result.stages[1]?.range).toEqual({ start: { line: 5, column: 1 }, end: { line: 7, column: 9 } })
  })
  it('labels a lone stage with no name, as BuildKit does', () => {
    expect(stagesOf('FROM x\n').stages[0]?.label).toBe('')
    expect(stagesOf('FROM x\nCOPY --from=alpine a b\n').stages[0]?.label).toBe('stage-0')
  })
  it('refuses instructions before the first FROM and files without one', () => {
    const before = failure('ARG A\nRUN x\nFROM y\n')
    expect(before.message).toBe('line 2: no build stage in current context')
    expect(before.location).toEqual({ start: { line: 2, column: 1 }, end: { line: 2, column: 6 } })
    expect(failure('ARG A\n').message).toBe('line 1: dockerfile contains no stages to build')
  })
  it('reports the first parse error in file order', () => {
    expect(failure('FROM a\nCOPY x\nRUN --bad y\n').message).toBe(
      'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined',
    )
  })
  it('warns about reserved and repeated stage names', () => {
    const { warnings } = stagesOf('FROM a AS scratch\nFROM b AS x\nFROM c AS X\n')
    expect(warnings.map((w) => [w.rule, w.message, w.range.start.line])).toEqual([
      ['StageNameCasing', "Stage name 'X' should be lowercase", 3],
      ['ReservedStageName', 'Stage name should not use the same name as reserved stage "scratch"', 1],
      ['DuplicateStageName', 'Duplicate stage name "x", stage names should be unique', 3],
    ])
  })
})

describe('parseStages: FROM lines and global ARGs', () => {
  it('expands the base with global ARGs, build args winning over defaults', () => {
    const text = 'ARG REPO=library\nARG TAG=1.${MINOR:-0}\nARG IMAGE=${REPO}/busybox\nFROM ${IMAGE}:${TAG}\n'
    expect(stagesOf(text).stages[0]?.base).toEqual({
      raw: '${IMAGE}:${TAG}',
      expanded: 'library/busybox:1.0',
      stage: null,
      scratch: false,
    })
    // The build arg replaces REPO before IMAGE's default is evaluated.
    expect(stagesOf(text, { buildArgs: { REPO: 'me', TAG: '2' } }).stages[0]?.base.expanded).toBe('me/busybox:2')
  })
  it('expands FROM busy${image#idle} (testArgDefaultExpansion) and sees the automatic args', () => {
    expect(stagesOf('ARG image=idlebox\nFROM busy${image#idle}\n').stages[0]?.base.expanded).toBe('busybox')
    const result = stagesOf('FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine:$TARGETARCH\n', {
      buildPlatform: { os: 'linux', arch: 'amd64', variant: '' },
      targetPlatform: { os: 'linux', arch: 'arm64', variant: '' },
    })
    expect(result.stages[0]?.platform).toEqual({
      raw: '$BUILDPLATFORM',
      expanded: 'linux/amd64',
      platform: { os: 'linux', arch: 'amd64', variant: '' },
    })
    expect(result.stages[1]?.base.expanded).toBe('alpine:arm64')
    expect(Object.fromEntries(result.globalArgs)).toMatchObject({ TARGETPLATFORM: 'linux/arm64', TARGETSTAGE: 'default' })
  })
  it('sets TARGETSTAGE to the target, else the last stage', () => {
    const text = 'FROM a AS one\nFROM b AS two\n'
    expect(Object.fromEntries(stagesOf(text).globalArgs).TARGETSTAGE).toBe('two')
    expect(Object.fromEntries(stagesOf(text, { target: 'one' }).globalArgs).TARGETSTAGE).toBe('one')
  })
  it('links FROM to an earlier stage by exact (lower-case) name only', () => {
    const result = stagesOf('FROM a AS base\nFROM base\nFROM Base\nFROM later\nFROM scratch AS later\n')
    expect(result.stages.map((s) => s.base.stage)).toEqual([null, 0, null, null, null])
    expect(result.stages[4]?.base.scratch).toBe(true)
  })
  it('binds FROM to the latest earlier stage of a repeated name', () => {
    const result = stagesOf('FROM a AS x\nFROM b AS x\nFROM x\n')
    expect(result.stages[2]?.base.stage).toBe(1)
  })
  it('honours the escape directive when expanding', () => {
    const result = stagesOf('# escape=`\nARG T=1\nFROM img:`$T-$T\n')
    expect(result.stages[0]?.base.expanded).toBe('img:$T-1')
  })
  it('refuses a blank or failing base name and bad platforms', () => {
    const blank = failure('ARG IMAGE\nFROM ${IMAGE}\n')
    expect(blank.message).toBe('line 2: base name (${IMAGE}) should not be blank')
    expect(blank.location.start.line).toBe(2)
    expect(failure('ARG V\nFROM x:${V:?unset}\n').detail).toBe('failed to process "x:${V:?unset}": V: unset')
    expect(failure('FROM --platform=$TARGETPLATFROM x\n').detail).toBe(
      'empty platform value from expression $TARGETPLATFROM (did you mean TARGETPLATFORM?)',
    )
    expect(failure('FROM --platform=linux/a/b/c x\n').detail).toBe(
      'failed to parse platform linux/a/b/c: "linux/a/b/c": cannot parse platform specifier: invalid argument',
    )
    expect(failure('FROM --platform=${P:?} x\n').detail).toBe(
      'failed to process arguments for platform : failed to process "${P:?}": P: is not allowed to be unset',
    )
  })
  it('locates an error in a global ARG default at that ARG', () => {
    const err = failure('ARG A=${B:?required}\nFROM x\n')
    expect(err.message).toBe('line 1: failed to process "${B:?required}": B: required')
    // A build arg means the default is never evaluated.
    expect(stagesOf('ARG A=${B:?required}\nFROM x\n', { buildArgs: { A: 'given' } }).globalArgs).toContainEqual(['A', 'given'])
  })
})
