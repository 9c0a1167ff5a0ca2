import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import { InstructionError } from './errors'
import { parseInstruction, parseInstructionWithLints, parseInstructions } from './parse'
import type { Instruction, InstructionKind } from './types'

function nodeOf(text: string) {
  const node = parseDockerfile(text, { rejectUnknownInstructions: false }).ast.children[0]
  if (node === undefined) throw new Error('no instruction')
  return node
}

function parse<K extends InstructionKind>(kind: K, text: string): Extract<Instruction, { kind: K }> {
  const instruction = parseInstruction(nodeOf(text))
  expect(instruction.kind).toBe(kind)
  return instruction as Extract<Instruction, { kind: K }>
}

function failure(text: string): InstructionError {
  try {
    parseInstruction(nodeOf(text))
  } catch (err) {
    expect(err).toBeInstanceOf(InstructionError)
    return err as InstructionError
  }
  throw new Error(`no error for ${text}`)
}

/** The detail (BuildKit's text) and where it points, as [line, startColumn, endColumn]. */
function failsWith(text: string, detail: string, at?: [number, number, number]) {
  const err = failure(text)
  expect(err.detail).toBe(detail)
  expect(err.message).toBe(`dockerfile parse error on line ${err.line}: ${detail}`)
  if (at) expect([err.location.start.line, err.location.start.column, err.location.end.column]).toEqual(at)
}

describe('parseFrom', () => {
  it('reads image, stage name (lower-cased) and platform', () => {
    const from = parse('from', 'FROM --platform=$BUILDPLATFORM golang:1.22 AS Build')
    expect(from).toMatchObject({ baseName: 'golang:1.22', stageName: 'build', platform: '$BUILDPLATFORM', line: 1 })
    expect(parse('from', 'from scratch as x').stageName).toBe('x')
    expect(parse('from', 'FROM alpine')).toMatchObject({ stageName: null, platform: null })
  })
  it('takes the doc comment that starts with the stage name', () => {
    expect(parse('from', '# build compiles the app\nFROM x AS build').comment).toBe('compiles the app')
    expect(parse('from', '# something else\nFROM x AS build').comment).toBe('')
  })
  it('refuses bad argument counts and stage names', () => {
    failsWith('FROM a b', 'FROM requires either one or three arguments', [1, 1, 9])
    failsWith('FROM a AS b c', 'FROM requires either one or three arguments')
    failsWith('FROM a AS 1x', `invalid name for build stage: "1x", name can't start with a number or contain symbols`)
    failsWith('FROM a AS b/c', `invalid name for build stage: "b/c", name can't start with a number or contain symbols`)
    // The name is checked before the flags.
    failsWith('FROM --foo a AS -x', `invalid name for build stage: "-x", name can't start with a number or contain symbols`)
  })
  it('checks its flags, suggesting close names', () => {
    failsWith('FROM --platfrom=x a', 'unknown flag: --platfrom (did you mean platform?)', [1, 6, 18])
    failsWith('FROM --platform a', 'missing a value on flag: --platform')
  })
  it('warns about stage name and AS casing', () => {
    const lints = (text: string) => parseInstructionWithLints(nodeOf(text)).warnings.map((w) => [w.rule, w.message])
    expect(lints('FROM a AS Build')).toEqual([['StageNameCasing', "Stage name 'Build' should be lowercase"]])
    expect(lints('FROM a as b')).toEqual([['FromAsCasing', "'as' and 'FROM' keywords' casing do not match"]])
    expect(lints('from a AS b')).toEqual([['FromAsCasing', "'AS' and 'from' keywords' casing do not match"]])
    expect(lints('From a as b')).toEqual([])
  })
})

describe('parseRun', () => {
  it('keeps shell form as one string and exec form as argv', () => {
    expect(parse('run', 'RUN echo $HOME  "x"').command).toEqual({ form: 'shell', command: 'echo $HOME  "x"' })
    expect(parse('run', 'RUN ["echo", "a b"]').command).toEqual({ form: 'exec', args: ['echo', 'a b'] })
    expect(parse('run', 'RUN').command).toEqual({ form: 'shell', command: '' })
  })
  it('carries heredocs unchomped', () => {
    const run = parse('run', 'RUN <<-EOF bash\n\techo hi\n\tEOF\n')
    expect(run.command).toEqual({ form: 'shell', command: '<<-EOF bash' })
    expect(run.heredocs).toEqual([{ name: 'EOF', content: '\techo hi\n', chomp: true }])
  })
  it('reads --mount, --network, --security and --device', () => {
    const run = parse(
      'run',
      'RUN --mount=type=cache,target=/root/.cache --mount=from=build,src=/out,target=/in --network=none --security=insecure --device=gpu,required make',
    )
    expect(run.mounts.map((m) => [m.spec, m.from, m.resolved])).toEqual([
      ['type=cache,target=/root/.cache', null, null],
      ['from=build,src=/out,target=/in', 'build', null],
    ])
    expect(run.mounts[1]?.range.start.column).toBe(44)
    expect(run).toMatchObject({ network: 'none', security: 'insecure', devices: [{ name: 'gpu', required: true }] })
    expect(run.flagsUsed).toEqual(['mount', 'network', 'security', 'device'])
    expect(parse('run', 'RUN x')).toMatchObject({ network: 'default', security: 'sandbox', mounts: [], flagsUsed: [] })
  })
  it('refuses bad flag values', () => {
    failsWith('RUN --network=bridge x', 'invalid network mode "bridge"', [1, 5, 21])
    failsWith('RUN --security=x y', 'security "x" is not valid')
    failsWith('RUN --mount x', 'missing a value on flag: --mount')
    failsWith('RUN --foo x', 'unknown flag: --foo')
    failsWith('RUN --mount=', 'failed to parse csv mounts: EOF')
    failsWith('RUN --mount=a\\"b x', 'failed to parse csv mounts: parse error on line 1, column 2: bare " in non-quoted-field')
  })
  it('refuses variables in a mount from=, except a trailing $', () => {
    failsWith(
      'RUN --mount=type=bind --mount=from=$STAGE,target=/m x',
      "'from' doesn't support variable expansion, define alias stage instead",
      [1, 23, 52],
    )
    expect(parse('run', 'RUN --mount=from=a$ x').mounts[0]?.from).toBe('a$')
    // Other values may hold variables; they are expanded when the RUN is dispatched.
    expect(parse('run', 'RUN --mount=type=$T,uid=$U x').mounts[0]?.spec).toBe('type=$T,uid=$U')
  })
})

describe('parseCmd and parseEntrypoint', () => {
  it('reads both forms; [] is an empty exec form', () => {
    expect(parse('cmd', 'CMD ["a", "b"]').command).toEqual({ form: 'exec', args: ['a', 'b'] })
    expect(parse('cmd', "CMD ['a']").command).toEqual({ form: 'shell', command: "['a']" })
    expect(parse('cmd', 'CMD []').command).toEqual({ form: 'exec', args: [] })
    expect(parse('entrypoint', 'ENTRYPOINT nginx -g "daemon off;"').command).toEqual({
      form: 'shell',
      command: 'nginx -g "daemon off;"',
    })
    expect(parse('entrypoint', 'ENTRYPOINT').command).toEqual({ form: 'shell', command: '' })
  })
  it('knows no flags', () => {
    failsWith('CMD --x a', 'unknown flag: --x')
    failsWith('ENTRYPOINT --x a', 'unknown flag: --x')
  })
})

describe('parseShell', () => {
  it('needs a non-empty JSON array', () => {
    expect(parse('shell', 'SHELL ["/bin/bash", "-eo", "pipefail", "-c"]').shell).toEqual(['/bin/bash', '-eo', 'pipefail', '-c'])
    failsWith('SHELL /bin/bash -c', 'SHELL requires the arguments to be in JSON form')
    failsWith('SHELL []', 'SHELL requires at least one argument')
  })
})

describe('parseCopy', () => {
  it('reads sources, destination and every flag', () => {
    const copy = parse(
      'copy',
      'COPY --from=build --chown=1000:1000 --chmod=0755 --link --parents --exclude=*.md --exclude=*.txt a b /app/',
    )
    expect(copy).toMatchObject({
      sources: ['a', 'b'],
      dest: '/app/',
      from: 'build',
      chown: '1000:1000',
      chmod: '0755',
      link: true,
      parents: true,
      excludes: ['*.md', '*.txt'],
      heredocs: [],
    })
    expect(parse('copy', 'COPY ["a b", "/c d/"]')).toMatchObject({ sources: ['a b'], dest: '/c d/' })
    expect(parse('copy', 'COPY --link=FALSE --chown= a b')).toMatchObject({ link: false, chown: null, from: null })
    expect(parse('copy', 'COPY -- --odd-name /dst/').sources).toEqual(['--odd-name'])
  })
  it('turns heredoc words into files, chomped, expandable unless quoted', () => {
    const copy = parse('copy', 'COPY <<A <<"B" x /dest/\n$x\nA\n\t$y\nB\n')
    expect(copy.sources).toEqual(['x'])
    expect(copy.heredocs).toEqual([
      { name: 'A', content: '$x\n', expand: true },
      { name: 'B', content: '\t$y\n', expand: false },
    ])
    expect(parse('copy', 'COPY <<-EOF /x\n\thello\n\tEOF\n').heredocs).toEqual([{ name: 'EOF', content: 'hello\n', expand: true }])
  })
  it('refuses what BuildKit refuses', () => {
    failsWith('COPY a', 'COPY requires at least two arguments, but only one was provided. Destination could not be determined')
    failsWith('COPY a <<EOF\nx\nEOF\n', 'COPY cannot accept a heredoc as a destination')
    failsWith('COPY --chwon=a x y', 'unknown flag: --chwon (did you mean chown?)', [1, 6, 15])
    failsWith('COPY --from b c', 'missing a value on flag: --from')
    failsWith('COPY --from=a --from=b c d', 'duplicate flag specified: --from', [1, 15, 23])
    failsWith('COPY --link=maybe a b', 'expecting boolean value for flag --link, not: maybe')
    failsWith('COPY --link= a b', 'missing a value on flag: --link')
    failsWith('COPY --keep-git-dir a b', 'unknown flag: --keep-git-dir')
    failsWith('COPY --Link a b', 'unknown flag: --Link (did you mean link?)')
  })
  it('names the instruction line when the flag sits on a continuation line', () => {
    const err = failure('FROM a \\\n  b \\\n  c')
    expect(err.line).toBe(1)
    expect(err.location.end.line).toBe(3)
    const flagErr = failure('COPY \\\n  --chwon=x a b')
    expect(flagErr.message).toBe('dockerfile parse error on line 1: unknown flag: --chwon (did you mean chown?)')
    expect(flagErr.location.start).toEqual({ line: 2, column: 3 })
  })
})

describe('parseAdd', () => {
  it('reads its own flags; absent tri-state flags are null', () => {
    const add = parse(
      'add',
      'ADD --keep-git-dir --checksum=sha256:abc --unpack=false --chmod=644 --exclude=x https://example.com/a.tgz /',
    )
    expect(add).toMatchObject({ keepGitDir: true, checksum: 'sha256:abc', unpack: false, chmod: '644', excludes: ['x'] })
    expect(parse('add', 'ADD a b')).toMatchObject({ keepGitDir: null, unpack: null, checksum: null, link: false })
  })
  it('has no --from or --parents', () => {
    failsWith('ADD --from=x a b', 'unknown flag: --from')
    failsWith('ADD --parents a b', 'unknown flag: --parents')
    failsWith('ADD a', 'ADD requires at least two arguments, but only one was provided. Destination could not be determined')
  })
})

describe('parseEnv and parseLabel', () => {
  it('keeps quotes for expansion and marks the legacy form', () => {
    expect(parse('env', 'ENV A=1 B="2 3"').pairs).toEqual([
      { key: 'A', value: '1', legacy: false },
      { key: 'B', value: '"2 3"', legacy: false },
    ])
    expect(parse('env', 'ENV A b  c').pairs).toEqual([{ key: 'A', value: 'b  c', legacy: true }])
    expect(parse('label', 'LABEL "com.example"="x y" v=1').pairs).toEqual([
      { key: '"com.example"', value: '"x y"', legacy: false },
      { key: 'v', value: '1', legacy: false },
    ])
  })
  it('refuses blank names and flags', () => {
    failsWith('ENV =x', 'ENV names can not be blank')
    failsWith('LABEL =x', 'LABEL names can not be blank')
    failsWith('ENV --x A=1', 'unknown flag: --x')
    failsWith('ENV', 'ENV requires at least one argument')
  })
})

describe('parseArg', () => {
  it('reads names with and without defaults', () => {
    expect(parse('arg', 'ARG a b=2 c= d="x y"').args).toEqual([
      { key: 'a', value: null },
      { key: 'b', value: '2' },
      { key: 'c', value: '' },
      { key: 'd', value: '"x y"' },
    ])
  })
  it('ignores flags, refuses blank names', () => {
    expect(parse('arg', 'ARG --whatever=1 x').args).toEqual([{ key: 'x', value: null }])
    failsWith('ARG =x', 'ARG names can not be blank')
    failsWith('ARG', 'ARG requires at least one argument')
  })
})

describe('parseWorkdir, parseUser, parseStopsignal, parseMaintainer', () => {
  it('take the rest of the line as one value', () => {
    expect(parse('workdir', 'WORKDIR /a b').path).toBe('/a b')
    expect(parse('user', 'USER app:app').user).toBe('app:app')
    expect(parse('stopsignal', 'STOPSIGNAL SIGKILL').signal).toBe('SIGKILL')
    expect(parse('maintainer', 'MAINTAINER Jane Doe <jane@example.com>').maintainer).toBe('Jane Doe <jane@example.com>')
  })
  it('need exactly one argument', () => {
    failsWith('WORKDIR', 'WORKDIR requires exactly one argument')
    failsWith('USER', 'USER requires exactly one argument')
    failsWith('STOPSIGNAL', 'STOPSIGNAL requires exactly one argument')
    failsWith('MAINTAINER', 'MAINTAINER requires exactly one argument')
  })
  it('check flags, except STOPSIGNAL which ignores them', () => {
    failsWith('WORKDIR --x /a', 'unknown flag: --x')
    failsWith('USER --x a', 'unknown flag: --x')
    failsWith('MAINTAINER --x a', 'unknown flag: --x')
    expect(parse('stopsignal', 'STOPSIGNAL --foo=bar SIGKILL').signal).toBe('SIGKILL')
  })
  it('warns that MAINTAINER is deprecated', () => {
    const { warnings } = parseInstructionWithLints(nodeOf('MAINTAINER me'))
    expect(warnings).toMatchObject([{ rule: 'MaintainerDeprecated', message: 'Maintainer instruction is deprecated in favor of using label' }])
  })
})

describe('parseExpose and parseVolume', () => {
  it('sorts EXPOSE words as strings', () => {
    expect(parse('expose', 'EXPOSE 8080 80/udp 443 $P').ports).toEqual(['$P', '443', '80/udp', '8080'])
    failsWith('EXPOSE', 'EXPOSE requires at least one argument')
  })
  it('trims volumes and refuses empty ones', () => {
    expect(parse('volume', 'VOLUME /a /b').volumes).toEqual(['/a', '/b'])
    expect(parse('volume', 'VOLUME [" /data "]').volumes).toEqual(['/data'])
    failsWith('VOLUME ["/a", " "]', 'VOLUME specified can not be an empty string')
    failsWith('VOLUME', 'VOLUME requires at least one argument')
  })
})

describe('parseHealthcheck', () => {
  it('reads NONE, ignoring any flags', () => {
    expect(parse('healthcheck', 'HEALTHCHECK NONE').health).toEqual({ type: 'none' })
    expect(parse('healthcheck', 'HEALTHCHECK --nonsense=1 none').health).toEqual({ type: 'none' })
    failsWith('HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments')
  })
  it('reads CMD with durations in nanoseconds', () => {
    const hc = parse(
      'healthcheck',
      'HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 CMD curl -f http://localhost/',
    )
    expect(hc.health).toEqual({
      type: 'cmd',
      test: ['CMD-SHELL', 'curl -f http://localhost/'],
      interval: 300e9,
      timeout: 3e9,
      startPeriod: 90e9,
      startInterval: 500e6,
      retries: 3,
    })
    expect(parse('healthcheck', 'HEALTHCHECK cmd ["curl", "-f"]').health).toMatchObject({ test: ['CMD', 'curl', '-f'], interval: 0 })
    expect(parse('healthcheck', 'HEALTHCHECK --interval=0 CMD x').health).toMatchObject({ interval: 0 })
  })
  it('refuses what BuildKit refuses', () => {
    failsWith('HEALTHCHECK', 'HEALTHCHECK requires at least one argument')
    failsWith('HEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD')
    failsWith('HEALTHCHECK FOO x', 'Unknown type "FOO" in HEALTHCHECK (try CMD)')
    failsWith('HEALTHCHECK --interval=1x CMD x', 'time: unknown unit "x" in duration "1x"', [1, 13, 26])
    failsWith('HEALTHCHECK --timeout=5 CMD x', 'time: missing unit in duration "5"')
    failsWith('HEALTHCHECK --interval=500us CMD x', 'Interval "interval" cannot be less than 1ms')
    failsWith('HEALTHCHECK --start-period=-1s CMD x', 'Interval "start-period" cannot be less than 1ms')
    failsWith('HEALTHCHECK --retries=-1 CMD x', '--retries cannot be negative (-1)')
    failsWith('HEALTHCHECK --retries=x CMD x', 'strconv.ParseInt: parsing "x": invalid syntax')
    failsWith('HEALTHCHECK --retries=3000000000 CMD x', 'strconv.ParseInt: parsing "3000000000": value out of range')
    failsWith('HEALTHCHECK --interval CMD x', 'missing a value on flag: --interval')
    // Flags are checked before the type.
    failsWith('HEALTHCHECK --x=1 FOO y', 'unknown flag: --x')
  })
})

describe('parseOnbuild', () => {
  it('stores the trigger text, heredoc bodies appended', () => {
    const ob = parse('onbuild', 'ONBUILD RUN echo hi')
    expect(ob).toMatchObject({ expression: 'RUN echo hi', trigger: 'run' })
    expect(ob.triggerNode.keyword).toBe('run')
    expect(parse('onbuild', 'onbuild  COPY <<EOF /x\nhello\nEOF\n').expression).toBe('COPY <<EOF /x\nhello\nEOF')
  })
  it('refuses ONBUILD, FROM and MAINTAINER triggers', () => {
    failsWith('ONBUILD ONBUILD RUN x', "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    failsWith('ONBUILD FROM x', "FROM isn't allowed as an ONBUILD trigger")
    failsWith('onbuild maintainer x', "MAINTAINER isn't allowed as an ONBUILD trigger")
    failsWith('ONBUILD', 'ONBUILD requires at least one argument')
    failsWith('ONBUILD --x RUN y', 'unknown flag: --x')
  })
  it('does not look inside the trigger until it fires', () => {
    expect(parse('onbuild', 'ONBUILD RUN --bogus x').trigger).toBe('run')
  })
})

describe('parseInstructions', () => {
  it('parses every node and refuses unknown instructions with a suggestion', () => {
    const parsed = parseDockerfile('FROM a\nRUN x\n')
    expect(parseInstructions(parsed).instructions.map((i) => i.kind)).toEqual(['from', 'run'])
    failsWith('FORM a', 'unknown instruction: FORM (did you mean FROM?)')
  })
  it('keeps keyword case, trimmed original text and line numbers', () => {
    const [, run] = parseInstructions(parseDockerfile('FROM a\n\n  Run echo \\\n  hi  \n')).instructions
    expect(run).toMatchObject({ keyword: 'Run', original: 'Run echo   hi', line: 3 })
    expect(run?.range).toEqual({ start: { line: 3, column: 3 }, end: { line: 4, column: 5 } })
  })
})
