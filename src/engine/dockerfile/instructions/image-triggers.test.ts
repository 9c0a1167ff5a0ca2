import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import type { BuildOptions } from './args'
import { InstructionError } from './errors'
import type { Platform } from './platform'
import { expandStages } from './scope'
import type { ExpandOptions, ExpandedBuild } from './scope'
import { parseStages } from './stages'

/** Base images by reference: their config's Env and OnBuild. */
type Images = Record<string, { env?: string[]; onbuild?: string[] }>

function build(text: string, images: Images, options?: BuildOptions, expand?: ExpandOptions): ExpandedBuild {
  return expandStages(parseStages(parseDockerfile(text), options), {
    imageEnv: (ref) => images[ref]?.env,
    imageTriggers: (ref) => images[ref]?.onbuild,
    ...expand,
  })
}

function failure(text: string, images: Images, options?: BuildOptions, expand?: ExpandOptions): InstructionError {
  try {
    build(text, images, options, expand)
  } catch (err) {
    expect(err).toBeInstanceOf(InstructionError)
    return err as InstructionError
  }
  throw new Error('no error')
}

const env = (entries: readonly (readonly [string, string])[]) => Object.fromEntries(entries)

describe('ONBUILD triggers of a base image', () => {
  it('runs COPY and ENV triggers right after FROM, placed at the FROM, before the own steps', () => {
    const images = { base: { env: ['BASE=1'], onbuild: ['COPY base.txt /from-trigger.txt', 'ENV TRIGGERED=1'] } }
    const result = build('# syntax\n\nFROM base\nCOPY child.txt /c\n', images)
    const [stage] = result.stages
    const steps = stage?.steps ?? []
    expect(steps.map((s) => [s.onbuild, s.expanded.kind, s.instruction.original, s.instruction.line])).toEqual([
      [true, 'copy', 'COPY base.txt /from-trigger.txt', 3],
      [true, 'env', 'ENV TRIGGERED=1', 3],
      [false, 'copy', 'COPY child.txt /c', 4],
    ])
    expect(steps[0]?.instruction.range).toBe(stage?.stage.from.range)
    expect(steps[0]?.expanded).toMatchObject({ sources: ['base.txt'], dest: '/from-trigger.txt' })
    // The trigger's ENV is in the build environment of what follows, and in the image's Env.
    expect(env(steps[2]?.env ?? [])).toMatchObject({ BASE: '1', TRIGGERED: '1' })
    expect(stage?.imageEnv).toEqual(expect.arrayContaining(['BASE=1', 'TRIGGERED=1']))
  })

  it('expands triggers with the base image Env, the triggers before them, build args and globals', () => {
    const images = { base: { env: ['APP=/srv'], onbuild: ['ARG SRC=src', 'ARG G', 'COPY $SRC $APP/$G/', 'ENV OUT=$APP/out'] } }
    const text = 'ARG G=global\nFROM base\nENV LAST=$OUT\n'
    const [arg, global, copy, envStep, own] = build(text, images).stages[0]?.steps ?? []
    expect(arg?.expanded).toMatchObject({ args: [{ key: 'SRC', value: 'src' }] })
    expect(global?.expanded).toMatchObject({ args: [{ key: 'G', value: 'global' }] })
    expect(copy?.expanded).toMatchObject({ sources: ['src'], dest: '/srv/global/' })
    expect(copy?.args).toEqual([
      { key: 'SRC', value: 'src' },
      { key: 'G', value: 'global' },
    ])
    expect(envStep?.expanded).toMatchObject({ pairs: [{ key: 'OUT', value: '/srv/out' }] })
    expect(own?.expanded).toMatchObject({ pairs: [{ key: 'LAST', value: '/srv/out' }] })

    // A build arg reaches a trigger's ARG, which counts as consuming it.
    const withArg = build(text, images, { buildArgs: { SRC: 'cli' } })
    expect(withArg.stages[0]?.steps[2]?.expanded).toMatchObject({ sources: ['cli'] })
    expect(withArg.unusedBuildArgs).toEqual([])
    // Without the trigger, the same build arg is unused.
    expect(build(text, {}, { buildArgs: { SRC: 'cli' } }).unusedBuildArgs).toEqual(['SRC'])
  })

  it('fires one generation down only, and never for scratch or stage bases', () => {
    const calls: string[] = []
    const result = expandStages(parseStages(parseDockerfile('FROM base AS a\nFROM a\nFROM scratch AS s\nCOPY --from=1 / /\n')), {
      imageTriggers: (ref) => {
        calls.push(ref)
        return ['ENV T=1']
      },
    })
    expect(result.stages.map((s) => s.steps.map((step) => step.onbuild))).toEqual([[true], [], [false]])
    expect(calls).toEqual(['base'])
    // The child still has what the trigger set: it inherits the parent's environment.
    expect(env(result.stages[1]?.env ?? [])).toMatchObject({ T: '1' })
  })

  it('asks for the triggers of the stage platform', () => {
    const platforms: Platform[] = []
    expandStages(parseStages(parseDockerfile('FROM --platform=linux/arm64 base\n')), {
      imageTriggers: (_ref, platform) => {
        platforms.push(platform)
        return []
      },
    })
    expect(platforms).toMatchObject([{ os: 'linux', arch: 'arm64' }])
  })

  it('reports a malformed trigger at the FROM line, naming the trigger', () => {
    const text = '# comment\n\nFROM base\nRUN true\n'
    const fail = (trigger: string) => failure(text, { base: { onbuild: ['ENV OK=1', trigger] } })
    const flag = fail('COPY --nope a b')
    expect(flag.message).toBe('line 3: onbuild trigger "COPY --nope a b": unknown flag: --nope')
    expect(flag.phase).toBe('build')
    expect(flag.location).toEqual({ start: { line: 3, column: 1 }, end: { line: 3, column: 10 } })
    expect(fail('BOGUS x').message).toMatch(/^line 3: onbuild trigger "BOGUS x": unknown instruction: BOGUS/)
    expect(fail('ENV A=1\nENV B=2').message).toBe(
      'line 3: onbuild trigger "ENV A=1\\nENV B=2": onbuild trigger should be a single expression',
    )
    // parser.Parse refuses an empty text before the one-expression check.
    expect(fail('').detail).toBe('onbuild trigger "": file with no instructions')
    expect(fail('COPY onlyone').detail).toMatch(/^onbuild trigger "COPY onlyone": COPY requires at least two arguments/)
  })

  it('refuses FROM, and ONBUILD FROM / ONBUILD ONBUILD, as a trigger', () => {
    const fail = (trigger: string) => failure('FROM base\n', { base: { onbuild: [trigger] } }).message
    expect(fail('FROM other')).toBe('line 1: onbuild trigger "FROM other": *instructions.Stage is not a command type')
    expect(fail('ONBUILD FROM other')).toBe(
      'line 1: onbuild trigger "ONBUILD FROM other": FROM isn\'t allowed as an ONBUILD trigger',
    )
    expect(fail('ONBUILD ONBUILD RUN x')).toBe(
      'line 1: onbuild trigger "ONBUILD ONBUILD RUN x": Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed',
    )
    // A trigger may register a trigger of its own: it lands in the stage's config, for the next build.
    const [step] = build('FROM base\n', { base: { onbuild: ['ONBUILD RUN x'] } }).stages[0]?.steps ?? []
    expect(step?.expanded).toMatchObject({ kind: 'onbuild', expression: 'RUN x' })
  })

  it('reports a failing expansion at the FROM, naming the trigger', () => {
    const err = failure('FROM a\nFROM base\nRUN true\n', { base: { onbuild: ['WORKDIR ${DIR:?}'] } })
    expect(err.message).toBe(
      'line 2: onbuild trigger "WORKDIR ${DIR:?}": failed to process "${DIR:?}": DIR: is not allowed to be unset',
    )
  })

  it('builds the stages a trigger copies from, and refuses a later one', () => {
    const text = 'FROM x AS assets\nFROM y AS unused\nFROM base AS app\nFROM z AS later\nFROM app\n'
    const images = { base: { onbuild: ['COPY --from=assets / /', 'COPY --from=alpine /etc/os-release /'] } }
    const result = build(text, images)
    expect(result.stages.map((s) => s.stage.index)).toEqual([0, 2, 4])
    const app = result.stages[1]
    expect(app?.triggerDependencies.map((d) => (d.kind === 'stage' ? `stage ${d.stage}` : `image ${d.ref}`))).toEqual([
      'stage 0',
      'image alpine',
    ])
    expect(app?.triggerDependencies[0]?.instruction.line).toBe(3)
    // Not in the plan unless a trigger asks for it.
    expect(build(text, {}).stages.map((s) => s.stage.index)).toEqual([2, 4])

    // A stage only a trigger reads gets its own in-file triggers too.
    const chain = build('FROM x AS tools\nONBUILD ENV TOOL=1\nFROM tools AS assets\nFROM base\n', images)
    expect(chain.stages.map((s) => [s.stage.index, s.steps.map((step) => `${step.onbuild}:${step.expanded.kind}`)])).toEqual([
      [0, ['false:onbuild']],
      [1, ['true:env']],
      [2, ['true:copy', 'true:copy']],
    ])

    const later = failure(text, { base: { onbuild: ['COPY --from=later / /'] } }, { target: 'app' })
    expect(later.message).toBe(
      'line 3: onbuild trigger "COPY --from=later / /": cannot copy from stage "later", it needs to be defined before current stage "app"',
    )
  })

  it('lists in-file trigger dependencies the same way', () => {
    const result = build('FROM a AS assets\nFROM b AS base\nONBUILD COPY --from=assets / /\nFROM base\n', {})
    expect(result.stages.at(-1)?.triggerDependencies).toMatchObject([{ kind: 'stage', stage: 0, via: 'copy' }])
  })
})
