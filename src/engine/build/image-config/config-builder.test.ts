import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandStages, parseDockerfile, parseStages } from '../../dockerfile'
import type { BuildOptions, Command } from '../../dockerfile'
import type { ImageConfig } from '../../store'
import { applyInstruction, initialConfig, stageConfigs } from '.'
import type { OciImageConfig } from '.'

const busybox = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'busybox.config.json'), 'utf8')) as ImageConfig

/** Builds a Dockerfile's last stage on busybox; returns the config and the new history texts. */
function build(body: string, options: BuildOptions = {}, base: ImageConfig = busybox) {
  const stages = parseStages(parseDockerfile(body), options)
  const expanded = expandStages(stages, { imageEnv: () => (base.config as { Env?: string[] }).Env })
  const last = stageConfigs(expanded, { baseConfig: () => base, escapeToken: stages.escapeToken }).at(-1)
  if (last === undefined) throw new Error('no stage')
  const history = last.steps.flatMap((s) => (s.history === null ? [] : [s.history.created_by]))
  return { config: last.config, history, layers: last.steps.map((s) => s.layer) }
}

const FROM = 'FROM busybox\n'

describe('applyInstruction', () => {
  it('ENV replaces a name where it stands and appends new ones; values see the old state', () => {
    const { config, history } = build(FROM + 'ENV A=1 B=2\nENV PATH=/x A=3 C=$A\n')
    expect(config.config.Env).toEqual(['PATH=/x', 'A=3', 'B=2', 'C=1'])
    expect(history).toEqual(['ENV A=1 B=2', 'ENV PATH=/x A=3 C=1'])
  })

  it('LABEL adds to the map, last value wins; the text keeps the written order', () => {
    const { config, history } = build(FROM + 'LABEL b=1 "a b"="c d"\nLABEL b=2\n')
    expect(config.config.Labels).toEqual({ b: '2', 'a b': 'c d' })
    expect(history).toEqual(['LABEL b=1 a b=c d', 'LABEL b=2'])
  })

  it('ARG writes the value that took effect: build arg, default, global, or none', () => {
    const { history } = build('ARG G=global\n' + FROM + 'ARG G\nARG d=def o=def n\n', { buildArgs: { o: 'cli' } })
    expect(history).toEqual(['ARG G=global', 'ARG d=def o=cli n'])
  })

  it('WORKDIR joins relative paths, keeps absolute ones as written, and needs a layer unless /', () => {
    const { config, history, layers } = build(FROM + 'WORKDIR a\nWORKDIR ../b/\nWORKDIR /c/../d/\nWORKDIR /\n')
    expect(history).toEqual(['WORKDIR /a', 'WORKDIR /b', 'WORKDIR /c/../d/', 'WORKDIR /'])
    expect(layers).toEqual(['required', 'required', 'required', 'none'])
    expect(config.config.WorkingDir).toBe('/')
  })

  it('EXPOSE records the port list in history and a set in the config', () => {
    // The words are sorted as written, before expansion: `$P/UDP` comes first.
    const { config, history } = build(FROM + 'ENV P=9000\nEXPOSE 80 $P/UDP 80/tcp 7-8/sctp\n')
    expect(history[1]).toBe('EXPOSE [9000/udp 7/sctp 8/sctp 80/tcp 80/tcp]')
    expect(Object.keys(config.config.ExposedPorts ?? {}).sort()).toEqual(['7/sctp', '8/sctp', '80/tcp', '9000/udp'])
  })

  it('VOLUME, USER, STOPSIGNAL, SHELL, MAINTAINER', () => {
    const { config, history } = build(
      FROM + 'VOLUME /a ["/b"]\nVOLUME ["/c", "/d"]\nUSER app:grp\nSTOPSIGNAL SIGRTMIN+3\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nMAINTAINER Jo <jo@x>\n',
    )
    expect(history).toEqual([
      'VOLUME [/a [/b]]',
      'VOLUME [/c /d]',
      'USER app:grp',
      'STOPSIGNAL SIGRTMIN+3',
      'SHELL [/bin/ash -eo pipefail -c]',
      'MAINTAINER Jo <jo@x>',
    ])
    expect(config.config).toMatchObject({ User: 'app:grp', StopSignal: 'SIGRTMIN+3', Shell: ['/bin/ash', '-eo', 'pipefail', '-c'] })
    expect(Object.keys(config.config.Volumes ?? {})).toEqual(['/a', '[/b]', '/c', '/d'])
    expect(config.author).toBe('Jo <jo@x>')
  })

  it('CMD and ENTRYPOINT in shell form run through the current SHELL; CMD sets ArgsEscaped', () => {
    const { config, history } = build(FROM + 'SHELL ["/bin/bash", "-c"]\nCMD echo "$HOME"\nENTRYPOINT exec app\n')
    expect(config.config.Cmd).toEqual(['/bin/bash', '-c', 'echo "$HOME"'])
    expect(config.config.Entrypoint).toEqual(['/bin/bash', '-c', 'exec app'])
    expect(config.config.ArgsEscaped).toBe(true)
    expect(history.slice(1)).toEqual(['CMD ["/bin/bash" "-c" "echo \\"$HOME\\""]', 'ENTRYPOINT ["/bin/bash" "-c" "exec app"]'])
  })

  it('ENTRYPOINT drops the inherited Cmd unless a CMD came earlier in the same stage', () => {
    expect(build(FROM + 'ENTRYPOINT ["e"]\n').config.config.Cmd).toBeUndefined()
    expect(build(FROM + 'CMD ["c"]\nENTRYPOINT ["e"]\n').config.config.Cmd).toEqual(['c'])
    expect(build(FROM + 'ENTRYPOINT ["e"]\nCMD ["c"]\n').config.config.Cmd).toEqual(['c'])
    const twoStages = build(FROM.replace('\n', ' AS a\n') + 'CMD ["c"]\nFROM a\nENTRYPOINT ["e"]\n')
    expect(twoStages.config.config.Cmd).toBeUndefined()
    const cleared = build(FROM + 'CMD []\nENTRYPOINT []\n')
    expect(cleared.config.config.Cmd).toBeUndefined()
    expect(cleared.config.config.Entrypoint).toBeUndefined()
    expect(cleared.history).toEqual(['CMD []', 'ENTRYPOINT []'])
  })

  it('HEALTHCHECK: the config in nanoseconds without zero fields, the text as Go prints the struct', () => {
    const { config, history } = build(FROM + 'HEALTHCHECK --interval=1m --retries=2 CMD wget -q x\nHEALTHCHECK NONE\n')
    expect(history).toEqual([
      `HEALTHCHECK &{["CMD-SHELL" "wget -q x"] "1m0s" "0s" "0s" "0s" '\\x02'}`,
      `HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" '\\x00'}`,
    ])
    expect(config.config.Healthcheck).toEqual({ Test: ['NONE'] })
    expect(build(FROM + 'HEALTHCHECK --interval=1m --retries=2 CMD ["a"]\n').config.config.Healthcheck).toEqual({
      Test: ['CMD', 'a'],
      Interval: 60_000_000_000,
      Retries: 2,
    })
  })

  it('ONBUILD appends the trigger text and writes no history', () => {
    const { config, history, layers } = build(FROM + 'ONBUILD RUN a\nONBUILD COPY x /y\n')
    expect(config.config.OnBuild).toEqual(['RUN a', 'COPY x /y'])
    expect(history).toEqual([])
    expect(layers).toEqual(['none', 'none'])
  })

  it('RUN: |N prefix in declaration order with the build env values, one entry per name', () => {
    const df = FROM + 'ARG a=1\nARG b\nRUN x\nENV a=env\nARG a=2\nARG c=3\nRUN ["y", "z  w"]\n'
    const { history, layers } = build(df)
    expect(history).toEqual([
      'ARG a=1',
      'ARG b',
      'RUN |2 a=1 b= /bin/sh -c x # buildkit',
      'ENV a=env',
      'ARG a=2',
      'ARG c=3',
      'RUN |3 a=2 b= c=3 y z  w # buildkit',
    ])
    expect(layers.filter((l) => l === 'required')).toHaveLength(2)
  })

  it('RUN: undeclared proxy args stay out of the history, declared ones show', () => {
    const args = { buildArgs: { http_proxy: 'http://a', HTTPS_PROXY: 'http://b' } }
    expect(build(FROM + 'RUN x\n', args).history).toEqual(['RUN /bin/sh -c x # buildkit'])
    expect(build(FROM + 'ARG http_proxy\nRUN x\n', args).history[1]).toBe('RUN |1 http_proxy=http://a /bin/sh -c x # buildkit')
  })

  it('COPY/ADD: --parents, --chown, --chmod are written; --from, --link, --exclude are not', () => {
    const { history, layers } = build(
      FROM + 'ENV D=/dst\nCOPY --from=busybox --link --exclude=*.md --chmod=644 --chown=1:2 --parents a b $D/\nADD --chown=app x.tar $D\n',
    )
    expect(history.slice(1)).toEqual(['COPY --parents --chown=1:2 --chmod=644 a b /dst/ # buildkit', 'ADD --chown=app x.tar /dst # buildkit'])
    expect(layers).toEqual(['none', 'required', 'required'])
  })

  it('does not change the config it is given', () => {
    const config = initialConfig(busybox, { os: 'linux', arch: 'amd64', variant: '' })
    const frozen = JSON.stringify(config)
    const deepFreeze = (o: unknown): void => {
      if (typeof o === 'object' && o !== null) {
        Object.freeze(o)
        Object.values(o).forEach(deepFreeze)
      }
    }
    deepFreeze(config)
    const [env] = parseStages(parseDockerfile(FROM + 'ENV A=1\nLABEL l=1\nEXPOSE 1\nVOLUME /v\nONBUILD RUN x\nENTRYPOINT ["e"]\n')).stages
    let current: OciImageConfig = config
    for (const c of env?.instructions ?? []) current = applyInstruction(current, c as Command, { env: [], args: [], cmdSet: false }).config
    expect(JSON.stringify(config)).toBe(frozen)
    expect(current.history).toHaveLength(config.history.length + 5)
  })
})
