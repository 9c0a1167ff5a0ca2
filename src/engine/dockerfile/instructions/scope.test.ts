import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import { unusedBuildArgsWarning } from './args'
import type { BuildOptions } from './args'
import { InstructionError } from './errors'
import { DEFAULT_PATH, expandStages } from './scope'
import type { ExpandOptions, ExpandedBuild } from './scope'
import { parseStages } from './stages'
import type { Command } from './types'

function build(text: string, options?: BuildOptions, expand?: ExpandOptions): ExpandedBuild {
  return expandStages(parseStages(parseDockerfile(text), options), expand)
}

/** The expanded instructions of the target stage. */
function expanded(text: string, options?: BuildOptions, expand?: ExpandOptions): Command[] {
  const result = build(text, options, expand)
  return result.stages[result.stages.length - 1]?.steps.map((s) => s.expanded) ?? []
}

function envOf(text: string, options?: BuildOptions): Record<string, string> {
  const result = build(text, options)
  return Object.fromEntries(result.stages[result.stages.length - 1]?.env ?? [])
}

function failure(text: string, options?: BuildOptions, expand?: ExpandOptions): InstructionError {
  try {
    build(text, options, expand)
  } catch (err) {
    expect(err).toBeInstanceOf(InstructionError)
    return err as InstructionError
  }
  throw new Error('no error')
}

const pairsOf = (c: Command | undefined) => (c?.kind === 'env' || c?.kind === 'label' ? c.pairs.map((p) => [p.key, p.value]) : null)

describe('ARG scoping', () => {
  it('keeps global ARGs out of a stage until it declares them', () => {
    const [before, , after] = expanded('ARG V=1\nFROM a\nENV X=$V\nARG V\nENV Y=$V\n')
    expect(pairsOf(before)).toEqual([['X', '']])
    expect(pairsOf(after)).toEqual([['Y', '1']])
  })
  it('takes the build arg, else the expanded default, else the global value', () => {
    const text = 'ARG G=global\nFROM a\nARG G\nARG D=def-$G\nARG B=default\nARG N\n'
    expect(envOf(text)).toMatchObject({ G: 'global', D: 'def-global', B: 'default' })
    expect(envOf(text, { buildArgs: { B: 'cli', G: 'g2' } })).toMatchObject({ G: 'g2', D: 'def-g2', B: 'cli' })
    // Declared without any value: not in the environment.
    expect(envOf(text)).not.toHaveProperty('N')
  })
  it('never evaluates a default that a build arg replaces (testArgDefaultExpansion)', () => {
    const text = 'FROM a\nARG FOO\nARG BAR=${FOO:?"foo missing"}\nARG my_arg=hello\nENV x=${my_arg%%e*}\n'
    expect(failure(text).message).toBe('line 3: failed to process "${FOO:?\\"foo missing\\"}": FOO: foo missing')
    expect(envOf(text, { buildArgs: { BAR: 'set' } })).toMatchObject({ BAR: 'set', x: 'h' })
    expect(envOf(text, { buildArgs: { FOO: 'f' } })).toMatchObject({ BAR: 'f' })
  })
  it('expands each name of one ARG with the ones before it', () => {
    expect(envOf('FROM a\nARG a=1 b=$a\n')).toMatchObject({ a: '1', b: '1' })
  })
  it('makes the automatic platform args visible once declared', () => {
    const text = 'FROM a\nENV BEFORE=$TARGETARCH\nARG TARGETARCH TARGETPLATFORM\nENV AFTER=$TARGETARCH-$TARGETPLATFORM\n'
    expect(envOf(text, { targetPlatform: { os: 'linux', arch: 'arm64', variant: '' } })).toMatchObject({
      BEFORE: '',
      AFTER: 'arm64-linux/arm64',
    })
  })
  it('keeps the SBOM scan args out of the environment', () => {
    expect(envOf('FROM a\nARG BUILDKIT_SBOM_SCAN_STAGE=true X=1\n')).not.toHaveProperty('BUILDKIT_SBOM_SCAN_STAGE')
  })
})

describe('ARG and ENV together', () => {
  it('lets an ENV after an ARG shadow it, in the build and in the image', () => {
    const result = build('FROM a\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\nRUN echo $CONT_IMG_VER\n', {
      buildArgs: { CONT_IMG_VER: 'v2.0.1' },
    })
    const stage = result.stages[0]
    expect(Object.fromEntries(stage?.steps[2]?.env ?? [])).toMatchObject({ CONT_IMG_VER: 'v1.0.0' })
    expect(stage?.imageEnv).toEqual([`PATH=${DEFAULT_PATH}`, 'CONT_IMG_VER=v1.0.0'])
  })
  it('lets an ARG after an ENV replace it for the build only', () => {
    const result = build('FROM a\nENV X=env\nARG X=arg\nENV Y=$X\n')
    const stage = result.stages[0]
    expect(Object.fromEntries(stage?.env ?? [])).toMatchObject({ X: 'arg', Y: 'arg' })
    expect(stage?.imageEnv).toEqual([`PATH=${DEFAULT_PATH}`, 'X=env', 'Y=arg'])
    expect(stage?.args).toEqual([{ key: 'X', value: 'arg' }])
  })
  it('expands one ENV against the environment before it', () => {
    expect(envOf('FROM a\nENV a=hi\nENV a=bye b=$a\n')).toMatchObject({ a: 'bye', b: 'hi' })
  })
  it('hands a stage its base stage environment and ARGs', () => {
    const result = build('FROM a AS base\nARG V=1\nENV E=2\nFROM base\nRUN true\n')
    const child = result.stages[1]
    expect(child?.steps[0]?.args).toEqual([{ key: 'V', value: '1' }])
    expect(Object.fromEntries(child?.steps[0]?.env ?? [])).toMatchObject({ V: '1', E: '2' })
  })
  it('starts an image stage from its config Env, PATH added when missing', () => {
    const imageEnv = (ref: string) => (ref === 'node:22' ? ['NODE_VERSION=22', 'PATH=/node/bin'] : undefined)
    expect(envOf('FROM node:22\nENV X=$NODE_VERSION:$PATH\n', {}, )).toMatchObject({ PATH: DEFAULT_PATH })
    const result = build('FROM node:22\nENV X=$NODE_VERSION:$PATH\n', {}, { imageEnv })
    expect(Object.fromEntries(result.stages[0]?.env ?? [])).toMatchObject({ X: '22:/node/bin' })
    expect(build('FROM scratch\n').stages[0]?.imageEnv).toEqual([`PATH=${DEFAULT_PATH}`])
    expect(build('FROM --platform=windows/amd64 nanoserver\n').stages[0]?.imageEnv).toEqual([])
  })
})

describe('which instructions expand', () => {
  const text = [
    'FROM a AS src',
    'FROM a',
    'ENV FOO=bar DIR=/app U=app P="80  443/udp" S=SIGTERM empty=""',
    'RUN echo $FOO',
    'CMD echo $FOO',
    'ENTRYPOINT ["$FOO"]',
    'SHELL ["/bin/$FOO"]',
    'HEALTHCHECK CMD echo $FOO',
    'ONBUILD RUN echo $FOO',
    'COPY --from=src --chown=$U:$U --chmod=0${FOO:+7}55 --exclude=$FOO $FOO ${DIR}/',
    'COPY testfile $empty',
    'ADD --checksum=sha256:$FOO https://example.com/$FOO.tgz $DIR',
    'LABEL $FOO=$DIR',
    'WORKDIR $DIR',
    'USER $U',
    'VOLUME ["$DIR/data"]',
    'EXPOSE $P',
    'STOPSIGNAL $S',
    'MAINTAINER $FOO',
  ].join('\n')

  it('leaves commands, shells, healthchecks, triggers and MAINTAINER alone', () => {
    const steps = build(text).stages[1]?.steps ?? []
    for (const i of [1, 2, 3, 4, 5, 6, 16]) expect(steps[i]?.expanded).toBe(steps[i]?.instruction)
  })
  it('expands COPY/ADD paths and --chown/--chmod/--checksum, never --from or --exclude', () => {
    const steps = expanded(text)
    expect(steps[7]).toMatchObject({ from: 'src', chown: 'app:app', chmod: '0755', excludes: ['$FOO'], sources: ['bar'], dest: '/app/' })
    expect(steps[8]).toMatchObject({ sources: ['testfile'], dest: '' })
    expect(steps[9]).toMatchObject({ checksum: 'sha256:bar', sources: ['https://example.com/bar.tgz'], dest: '/app' })
  })
  it('expands config values; EXPOSE splits words', () => {
    const steps = expanded(text)
    expect(pairsOf(steps[10])).toEqual([['bar', '/app']])
    expect(steps.slice(11, 16)).toMatchObject([
      { path: '/app' },
      { user: 'app' },
      { volumes: ['/app/data'] },
      { ports: ['80', '443/udp'], exposedPorts: ['80/tcp', '443/udp'] },
      { signal: 'SIGTERM' },
    ])
  })
  it('expands unquoted COPY heredocs in raw mode, and nothing in quoted ones', () => {
    const steps = expanded('FROM a\nARG name=world\nCOPY <<EOF <<"RAW" /dest/\nHello ${name}! "q" a\\nb\nEOF\n${name}\nRAW\n')
    expect(steps[1]).toMatchObject({
      heredocs: [
        { name: 'EOF', content: 'Hello world! "q" anb\n' },
        { name: 'RAW', content: '${name}\n' },
      ],
    })
  })
  it('interprets RUN --mount once expanded', () => {
    const [, run] = expanded('FROM a\nARG CACHE=/root/.cache\nRUN --mount=type=cache,target=$CACHE,id=${CACHE#/} make\n')
    expect(run?.kind === 'run' && run.mounts[0]?.resolved).toMatchObject({ type: 'cache', target: '/root/.cache', cacheId: 'root/.cache' })
  })
  it('runs inherited ONBUILD triggers first, with the child environment', () => {
    const result = build('FROM a AS base\nONBUILD COPY $SRC /x\nFROM base\nARG SRC=app\nRUN true\n', { buildArgs: { SRC: 'x' } })
    const steps = result.stages[1]?.steps ?? []
    expect(steps.map((s) => [s.onbuild, s.expanded.kind])).toEqual([[true, 'copy'], [false, 'arg'], [false, 'run']])
    // The trigger fires before the child's ARG, so $SRC is not set yet.
    expect(steps[0]?.expanded).toMatchObject({ sources: [''] })
  })
})

describe('errors while expanding', () => {
  it('locates a failing word at its instruction', () => {
    const err = failure('FROM a\nRUN true\nWORKDIR ${DIR:?}\n')
    expect(err.message).toBe('line 3: failed to process "${DIR:?}": DIR: is not allowed to be unset')
    expect(err.location.start.line).toBe(3)
    expect(err.phase).toBe('build')
  })
  it('checks values the way dispatch does', () => {
    expect(failure('FROM a\nARG M=64a\nCOPY --chmod=$M x y\n').message).toBe(
      "line 3: invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777",
    )
    expect(failure('FROM a\nSTOPSIGNAL SIGNOPE\n').detail).toBe('invalid signal: SIGNOPE')
    expect(failure('FROM a\nEXPOSE 80/icmp\n').detail).toBe('invalid proto: icmp')
    expect(failure('FROM a\nENV V=\nVOLUME $V\n').detail).toBe('VOLUME specified can not be an empty string')
    const mount = failure('FROM a\nRUN --mount=type=$T x\n')
    expect(mount.detail).toBe('unsupported mount type ""')
    expect(mount.location.start.column).toBe(5)
  })
  it('only expands the stages the target needs, unless asked for all', () => {
    const text = 'FROM a AS broken\nWORKDIR ${X:?}\nFROM b AS ok\nRUN true\n'
    expect(build(text).stages.map((s) => s.stage.name)).toEqual(['ok'])
    expect(failure(text, {}, { allStages: true }).detail).toBe('failed to process "${X:?}": X: is not allowed to be unset')
  })
})

describe('unused build args', () => {
  it('lists build args no built stage or global ARG declared', () => {
    const text = 'ARG GLOBAL\nFROM a AS other\nARG IN_OTHER\nFROM b\nARG USED\n'
    const result = build(text, {
      buildArgs: { USED: '1', GLOBAL: '1', IN_OTHER: '1', UNUSED: '1', HTTP_PROXY: 'x', https_proxy: 'y', TARGETARCH: 'arm64', A: '1' },
    })
    expect(result.unusedBuildArgs).toEqual(['A', 'IN_OTHER', 'UNUSED'])
    expect(unusedBuildArgsWarning(result.unusedBuildArgs)).toBe('[Warning] One or more build-args [A IN_OTHER UNUSED] were not consumed')
    expect(unusedBuildArgsWarning([])).toBeNull()
  })
})
