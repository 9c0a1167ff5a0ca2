import { describe, expect, it } from 'vitest'
import { expandStages, parseDockerfile, parseStages } from '../dockerfile'
import type { BuildOptions, Command } from '../dockerfile'
import { cacheKey } from './cache-key'
import { cleanSelector, resolveDest } from './container-path'
import type { StepContext } from './step-inputs'
import {
  CacheInputError,
  DEFAULT_SHELL,
  baseParentKey,
  copyStepInputs,
  fromStepInputs,
  hasCacheKey,
  runStepInputs,
  workdirStepInputs,
} from './step-inputs'
import type { CopyOp, RunOp } from './step-ops'

const PARENT = 'sha256:' + '1'.repeat(64)
const CTX: StepContext = { workdir: '/app', user: '', shell: DEFAULT_SHELL, env: [['PATH', '/bin']], platform: 'linux/amd64' }

/** The expanded instruction of the last line of a one-stage Dockerfile. */
function last(lines: string, options?: BuildOptions): Command {
  const build = expandStages(parseStages(parseDockerfile(`FROM alpine\n${lines}\n`), options))
  const step = build.stages[0]?.steps.at(-1)
  if (step === undefined) throw new Error('no step')
  return step.expanded
}

function run(line: string, ctx: StepContext = CTX, mounts?: (string | undefined)[]) {
  const c = last(line)
  if (c.kind !== 'run') throw new Error(line)
  return runStepInputs(PARENT, c, ctx, mounts)
}

function copy(line: string, ctx: StepContext = CTX, digest = 'sha256:c0', files?: Record<string, string>) {
  const c = last(line)
  if (c.kind !== 'copy' && c.kind !== 'add') throw new Error(line)
  return copyStepInputs(PARENT, c, ctx, c.sources.map((s) => ({ selector: s, digest, ...(files ? { files } : {}) })))
}

const runOp = (line: string, ctx?: StepContext) => run(line, ctx).op as RunOp
const copyOp = (line: string, ctx?: StepContext) => copy(line, ctx).op as CopyOp

describe('RUN inputs', () => {
  it('keys the command as executed, the env in order, cwd, user and platform', () => {
    expect(runOp('RUN make all')).toEqual({
      type: 'run',
      args: ['/bin/sh', '-c', 'make all'],
      heredocs: [],
      env: ['PATH=/bin'],
      cwd: '/app',
      user: '',
      network: 'default',
      security: 'sandbox',
      mounts: [],
      devices: [],
      platform: 'linux/amd64',
    })
    expect(runOp('RUN ["make", "all"]').args).toEqual(['make', 'all'])
    expect(runOp('RUN x', { ...CTX, shell: ['/bin/bash', '-c'] }).args).toEqual(['/bin/bash', '-c', 'x'])
    expect(runOp('RUN x', { ...CTX, platform: { os: 'linux', arch: 'arm64', variant: 'v8' } }).platform).toBe('linux/arm64/v8')
  })

  it('keys heredoc bodies', () => {
    expect(runOp('RUN <<EOF\necho hi\nEOF').heredocs).toEqual([{ name: 'EOF', content: 'echo hi\n', chomp: false }])
    expect(cacheKey(run('RUN <<EOF\necho hi\nEOF'))).not.toBe(cacheKey(run('RUN <<EOF\necho ho\nEOF')))
  })

  it('is sensitive to env order, as BuildKit keys the env list as a list', () => {
    const ab: StepContext = { ...CTX, env: [['A', '1'], ['B', '2']] }
    const ba: StepContext = { ...CTX, env: [['B', '2'], ['A', '1']] }
    expect(cacheKey(run('RUN x', ab))).not.toBe(cacheKey(run('RUN x', ba)))
  })

  it('marks the env entries that hold a build ARG (to explain, not to key)', () => {
    const ctx: StepContext = { ...CTX, env: [['PATH', '/bin'], ['V', '1'], ['X', '2']], args: [{ key: 'V', value: '1' }, { key: 'X', value: 'other' }, { key: 'N', value: null }] }
    const inputs = run('RUN x', ctx)
    expect(inputs.explain).toEqual({ buildArgs: ['V'] })
    expect(cacheKey(inputs)).toBe(cacheKey(run('RUN x', { ...ctx, args: [] })))
  })

  it.each<[string, string, string]>([
    ['a cache id equal to the target', 'RUN --mount=type=cache,target=/c x', 'RUN --mount=type=cache,target=/c,id=/c x'],
    ['the default cache sharing', 'RUN --mount=type=cache,target=/c x', 'RUN --mount=type=cache,target=/c,sharing=shared x'],
  ])('leaves defaults out of mounts: %s', (_name, a, b) => {
    expect(cacheKey(run(a))).toBe(cacheKey(run(b)))
  })

  it.each<[string, string, string]>([
    ['cache id', 'RUN --mount=type=cache,target=/c x', 'RUN --mount=type=cache,target=/c,id=go x'],
    ['cache sharing', 'RUN --mount=type=cache,target=/c x', 'RUN --mount=type=cache,target=/c,sharing=locked x'],
    ['read-only', 'RUN --mount=type=cache,target=/c x', 'RUN --mount=type=cache,target=/c,ro x'],
    ['tmpfs size', 'RUN --mount=type=tmpfs,target=/t x', 'RUN --mount=type=tmpfs,target=/t,size=1m x'],
    ['network', 'RUN x', 'RUN --network=none x'],
    ['security', 'RUN x', 'RUN --security=insecure x'],
  ])('keys mount and run options: %s', (_name, a, b) => {
    expect(cacheKey(run(a))).not.toBe(cacheKey(run(b)))
  })

  it('keys a bind mount by the content digest it is given, and refuses to key one without', () => {
    const line = 'RUN --mount=type=bind,source=go.sum,target=/s x'
    expect(cacheKey(run(line, CTX, ['sha256:a']))).not.toBe(cacheKey(run(line, CTX, ['sha256:b'])))
    expect((run(line, CTX, ['sha256:a']).op as RunOp).mounts).toEqual([{ type: 'bind', target: '/s', readonly: true, source: '/go.sum', content: 'sha256:a' }])
    expect(() => run(line)).toThrow(CacheInputError)
    expect(() => run('RUN --mount=type=cache,from=builder,target=/c x')).toThrow(CacheInputError)
  })

  it('keys a secret mount by its id, never by its content', () => {
    expect((run('RUN --mount=type=secret,id=npm x').op as RunOp).mounts).toEqual([{ type: 'secret', target: null, readonly: true, id: 'npm', required: false }])
  })

  it('refuses a RUN whose mounts were not expanded', () => {
    const parsed = parseDockerfile('FROM a\nRUN --mount=type=cache,target=/c x\n')
    const stage = parseStages(parsed).stages[0]
    const c = stage?.instructions[0]
    if (c?.kind !== 'run') throw new Error('no run')
    expect(() => runStepInputs(PARENT, c, CTX)).toThrow(/not expanded/)
  })
})

describe('COPY/ADD inputs', () => {
  it.each<[string, string, string]>([
    ['/app', '.', '/app/'],
    ['/app', '', '/app/'],
    ['/app', 'rel/x', '/app/rel/x'],
    ['/app', 'rel/', '/app/rel/'],
    ['/app', 'rel/.', '/app/rel/'],
    ['/app', '../up', '/up'],
    ['/app', '/abs//x/', '/abs/x/'],
    ['/', '.', '/'],
    ['/app', '/', '/'],
  ])('resolves dest against WORKDIR %s: %s → %s', (workdir, dest, resolved) => {
    expect(resolveDest(workdir, dest)).toBe(resolved)
  })

  it.each<[string, string]>([
    ['src', '/src'],
    ['src/', '/src'],
    ['./src/.', '/src'],
    ['../src', '/src'],
    ['/a/../../b', '/b'],
    ['.', '/'],
    ['*.go', '/*.go'],
    ['https://example.com/a.tgz', 'https://example.com/a.tgz'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
  ])('cleans the source selector %s → %s', (source, selector) => {
    expect(cleanSelector(source)).toBe(selector)
  })

  it('keys the copy action but not the env, the user or the shell', () => {
    const op = copyOp('COPY --chown=app:app --chmod=644 --exclude=*.md src/ ./')
    expect(op).toMatchObject({ type: 'copy', src: ['/src'], dest: '/app/', chown: 'app:app', chmod: 0o644, excludes: ['*.md'], link: false, unpack: false })
    const other: StepContext = { ...CTX, env: [['X', '1']], user: 'nobody', shell: ['/bin/bash', '-c'], platform: 'linux/arm64' }
    expect(cacheKey(copy('COPY src /d/', other))).toBe(cacheKey(copy('COPY src /d/')))
  })

  it('normalises octal modes and keeps symbolic ones', () => {
    expect(copyOp('COPY --chmod=755 a /a').chmod).toBe(0o755)
    expect(cacheKey(copy('COPY --chmod=755 a /a'))).toBe(cacheKey(copy('COPY --chmod=0755 a /a')))
    expect(copyOp('COPY --chmod=u+x a /a').chmod).toBe('u+x')
  })

  it('keys sources by their aggregate digest, not their per-file maps', () => {
    const line = 'COPY src /src'
    expect(cacheKey(copy(line, CTX, 'sha256:d', { 'src/a': 'sha256:1' }))).toBe(cacheKey(copy(line, CTX, 'sha256:d', { 'src/a': 'sha256:2', 'src/b': 'x' })))
    expect(cacheKey(copy(line, CTX, 'sha256:d'))).not.toBe(cacheKey(copy(line, CTX, 'sha256:e')))
  })

  it('keys heredoc sources by their text', () => {
    const inputs = copy('COPY <<EOF /x\nhello\nEOF')
    expect(inputs.sources?.map((s) => s.selector)).toEqual(['<<EOF'])
    expect(cacheKey(inputs)).not.toBe(cacheKey(copy('COPY <<EOF /x\nhello!\nEOF')))
  })

  it('keys COPY --link without its parent, except with --chmod where BuildKit falls back to a plain copy', () => {
    expect(copy('COPY --link a /a').parent).toBe('')
    expect(copy('COPY a /a').parent).toBe(PARENT)
    expect(copy('COPY --link --chmod=600 a /a').parent).toBe(PARENT)
  })

  it('keys ADD options', () => {
    expect(copyOp('ADD a.tar /x/')).toMatchObject({ type: 'add', unpack: null, checksum: null, keepGitDir: null, parents: false })
    expect(cacheKey(copy('ADD a.tar /x/'))).not.toBe(cacheKey(copy('ADD --unpack=false a.tar /x/')))
    expect(copyOp('ADD --checksum=sha256:abc https://e.com/f /f').src).toEqual(['https://e.com/f'])
  })

  it('keeps the values of variables its text names, to explain a miss', () => {
    const ctx: StepContext = { ...CTX, env: [['V', '1'], ['D', '/x']], args: [{ key: 'V', value: '1' }] }
    const c = last('ARG V=1\nENV D=/x\nCOPY app-${V} $D/ $MISSING')
    if (c.kind !== 'copy') throw new Error('no copy')
    const inputs = copyStepInputs(PARENT, c, ctx, [{ selector: 'app-1', digest: 'sha256:0' }])
    expect(inputs.explain).toEqual({ vars: { V: '1', D: '/x', MISSING: null }, buildArgs: ['V'] })
  })
})

describe('WORKDIR and FROM inputs', () => {
  const workdir = (line: string, ctx: StepContext = CTX) => {
    const c = last(line)
    if (c.kind !== 'workdir') throw new Error(line)
    return workdirStepInputs(PARENT, c, ctx)
  }

  it('is a mkdir owned by USER, relative to the current WORKDIR; `/` makes no step', () => {
    expect(workdir('WORKDIR sub')?.op).toEqual({ type: 'mkdir', path: '/app/sub', mode: 0o755, parents: true, owner: '' })
    expect(workdir('WORKDIR /', CTX)).toBeNull()
    expect(workdir('WORKDIR ..', CTX)).toBeNull()
    expect(cacheKey(workdir('WORKDIR /w', { ...CTX, user: 'app' }) ?? fail())).not.toBe(cacheKey(workdir('WORKDIR /w') ?? fail()))
  })

  it('keys an image by manifest digest and platform, not by the name written', () => {
    const image = (ref: string, manifestDigest: string, platform = 'linux/amd64') => fromStepInputs({ kind: 'image', ref, manifestDigest, platform })
    expect(cacheKey(image('alpine:3.19', 'sha256:a'))).toBe(cacheKey(image('alpine@sha256:a', 'sha256:a')))
    expect(cacheKey(image('alpine', 'sha256:a'))).not.toBe(cacheKey(image('alpine', 'sha256:b')))
    expect(cacheKey(image('alpine', 'sha256:a'))).not.toBe(cacheKey(image('alpine', 'sha256:a', 'linux/arm64')))
    expect(baseParentKey({ kind: 'image', ref: 'x', manifestDigest: 'sha256:a', platform: { os: 'linux', arch: 'amd64', variant: '' } })).toBe('image:sha256:a|linux/amd64')
    expect(baseParentKey({ kind: 'scratch' })).toBe('')
    expect(fromStepInputs({ kind: 'stage', name: 'build', key: PARENT })).toMatchObject({ parent: PARENT, op: { type: 'from', base: 'stage' } })
  })

  it('gives keys only to FROM, RUN, COPY, ADD and WORKDIR', () => {
    const kinds = ['from', 'run', 'copy', 'add', 'workdir', 'env', 'arg', 'label', 'user', 'shell', 'cmd', 'entrypoint', 'expose', 'volume', 'healthcheck', 'stopsignal', 'onbuild', 'maintainer'] as const
    expect(kinds.filter(hasCacheKey)).toEqual(['from', 'run', 'copy', 'add', 'workdir'])
  })
})

function fail(): never {
  throw new Error('unexpected null')
}
