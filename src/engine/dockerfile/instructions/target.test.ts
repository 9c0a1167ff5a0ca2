import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import { InstructionError } from './errors'
import type { StageDependency } from './graph'
import { parseStages } from './stages'
import { resolveTarget } from './target'

const stagesOf = (text: string) => parseStages(parseDockerfile(text)).stages

function failure(run: () => unknown): InstructionError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(InstructionError)
    return err as InstructionError
  }
  throw new Error('no error')
}

const summary = (deps: readonly StageDependency[]) =>
  deps.map((d) => (d.kind === 'stage' ? `${d.via}:stage ${d.stage}` : `${d.via}:image ${d.ref}`))

describe('stage graph', () => {
  it('collects COPY --from (name, index, image) and RUN --mount=from edges', () => {
    const stages = stagesOf(
      [
        'FROM golang AS Build',
        'FROM alpine AS assets',
        'FROM scratch',
        'COPY --from=BUILD /app /app',
        'COPY --from=1 /a /a',
        'COPY --from=nginx:1.27 /etc/nginx /etc/nginx',
        'RUN --mount=from=assets,target=/m --mount=type=cache,target=/c --mount=from=busybox,target=/b true',
      ].join('\n'),
    )
    expect(summary(stages[2]?.dependencies ?? [])).toEqual([
      'copy:stage 0',
      'copy:stage 1',
      'copy:image nginx:1.27',
      'mount:stage 1',
      'mount:image busybox',
    ])
    expect(stages[2]?.dependencies[0]).toMatchObject({ reference: 'BUILD', instruction: { kind: 'copy', line: 4 } })
  })
  it('counts images in --from indexes, as BuildKit registers them after the stages', () => {
    const stages = stagesOf('FROM a\nCOPY --from=alpine x y\nCOPY --from=1 x y\n')
    expect(summary(stages[0]?.dependencies ?? [])).toEqual(['copy:image alpine', 'copy:image alpine'])
  })
  it('makes a stage named scratch a dependency of every mount without from=', () => {
    const stages = stagesOf('FROM a AS scratch\nFROM b\nRUN --mount=type=tmpfs,target=/t true\n')
    expect(summary(stages[1]?.dependencies ?? [])).toEqual(['mount:stage 0'])
  })
  it('refuses variables and bad indexes in --from', () => {
    const err = failure(() => stagesOf('FROM a\nARG FOO=a\nCOPY --from=$FOO . .\n'))
    expect(err.message).toBe(
      'line 3: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
    )
    expect(err.location.start.line).toBe(3)
    expect(failure(() => stagesOf('FROM a\nCOPY --from=5 x y\n')).detail).toBe('invalid stage index 5')
    expect(failure(() => stagesOf('FROM a\nCOPY --from=-1 x y\n')).detail).toBe('invalid stage index -1')
  })
  it('detects cycles and points at every COPY on the loop', () => {
    const err = failure(() => stagesOf('FROM x AS a\nCOPY --from=b /x /x\nFROM x AS b\nCOPY --from=a /y /y\n'))
    expect(err.message).toBe('line 2: circular dependency detected on stage: a')
    expect(err.locations.map((l) => l.start.line)).toEqual([2, 4])
    // Copying from the stage itself is a loop too; a lone stage is still called stage-0 here.
    expect(failure(() => stagesOf('FROM x\nCOPY --from=0 /a /b\n')).detail).toBe('circular dependency detected on stage: stage-0')
  })
})

describe('resolveTarget', () => {
  const text = [
    'FROM golang AS base', // 0
    'FROM base AS build', // 1
    'RUN --mount=from=deps,target=/d make', // (deps is defined later: see below)
    'FROM base AS test', // 2
    'FROM alpine AS deps', // 3
    'FROM alpine AS final', // 4
    'COPY --from=build /out /app',
  ].join('\n')

  it('defaults to the last stage and keeps only what it needs, in file order', () => {
    const stages = stagesOf('FROM a AS base\nFROM base AS build\nFROM base AS test\nFROM c AS final\nCOPY --from=build /o /o\n')
    const plan = resolveTarget(stages)
    expect(plan.target.name).toBe('final')
    expect(plan.stages.map((s) => s.name)).toEqual(['base', 'build', 'final'])
    expect(resolveTarget(stages, 'TEST').stages.map((s) => s.name)).toEqual(['base', 'test'])
  })
  it('refuses an unknown target, suggesting a close name', () => {
    const stages = stagesOf('FROM a AS build\nFROM b AS final\n')
    const err = failure(() => resolveTarget(stages, 'buidl'))
    expect(err.message).toBe('line 1: target stage "buidl" could not be found (did you mean build?)')
    expect(err.location).toEqual({ start: { line: 1, column: 1 }, end: { line: 2, column: 16 } })
    expect(failure(() => resolveTarget(stages, 'zzz')).detail).toBe('target stage "zzz" could not be found')
  })
  it('refuses reading a stage defined later, only when that stage is built', () => {
    const stages = stagesOf(text)
    const err = failure(() => resolveTarget(stages))
    expect(err.message).toBe(
      'line 3: cannot mount from stage "deps" to "/d", stage needs to be defined before current command',
    )
    expect(resolveTarget(stages, 'test').stages.map((s) => s.name)).toEqual(['base', 'test'])
    const copy = stagesOf('FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\n')
    expect(failure(() => resolveTarget(copy, 'one')).detail).toBe(
      'cannot copy from stage "two", it needs to be defined before current stage "one"',
    )
  })
  it('follows ONBUILD triggers of an in-file base stage', () => {
    const stages = stagesOf(
      'FROM a AS assets\nFROM b AS base\nONBUILD COPY --from=assets / /\nONBUILD RUN echo hi\nFROM base AS final\nRUN true\n',
    )
    const plan = resolveTarget(stages)
    expect(plan.stages.map((s) => s.name)).toEqual(['assets', 'base', 'final'])
    const triggers = plan.triggers.get(2) ?? []
    expect(triggers.map((c) => [c.kind, c.line])).toEqual([
      ['copy', 5],
      ['run', 5],
    ])
    expect(summary(plan.triggerDependencies.get(2) ?? [])).toEqual(['copy:stage 0'])
  })
  it('reports a bad trigger at the FROM of the stage it fires in', () => {
    const stages = stagesOf('FROM a AS base\nONBUILD RUN --bogus x\nFROM base\n')
    expect(failure(() => resolveTarget(stages)).message).toBe('line 3: unknown flag: --bogus')
    // Not built, not fired.
    expect(resolveTarget(stages, 'base').stages).toHaveLength(1)
  })
})
