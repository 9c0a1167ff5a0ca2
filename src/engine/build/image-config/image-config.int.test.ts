// The config builder against a real Docker 20.10 engine building with BuildKit: each Dockerfile
// is built by the daemon (--network=none, base busybox:latest) and by us from the busybox config
// the daemon holds; history texts, empty_layer flags, timestamps and the container config must
// agree. The daemon's frontend is older than the BuildKit this code follows; the differences
// that come from that are translated (see toEngine2010) rather than ignored.

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../../scripts/require-service'
import { expandStages, parseDockerfile, parseStages } from '../../dockerfile'
import type { Command } from '../../dockerfile'
import type { ImageConfig } from '../../store'
import { countLayerEntries, finalizeConfig, stageConfigs } from '.'
import { toEngine2010 } from './engine-2010.test-support'
import type { HistoryEntry, OciImageConfig } from '.'

const host = serviceOrSkip('docker')
const EMPTY_LAYER = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'

function docker(args: string[]): string {
  const r = spawnSync('/usr/bin/docker', args, {
    env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

let work = ''

/** The raw config blob of a local image (what BuildKit reads for FROM), via docker save. */
function savedConfig(ref: string): Record<string, unknown> | undefined {
  const out = join(work, `save-${Math.random().toString(36).slice(2)}`)
  mkdirSync(out)
  const r = spawnSync('/usr/bin/docker', ['save', '-o', join(out, 'image.tar'), ref], { env: { ...process.env, DOCKER_HOST: host } })
  if (r.status !== 0) return undefined // 20.10 cannot save an image without layers
  const tar = spawnSync('tar', ['-xf', 'image.tar'], { cwd: out })
  if (tar.status !== 0) throw new Error('tar failed')
  const [manifest] = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { Config: string }[]
  return JSON.parse(readFileSync(join(out, manifest?.Config ?? ''), 'utf8')) as Record<string, unknown>
}

/** A hand-made image (triggers, a relative WorkingDir) loaded with docker load. */
function loadOnbuildBase(): void {
  const dir = join(work, 'onbuild-base')
  mkdirSync(dir)
  writeFileSync(join(dir, 'layer.tar'), Buffer.alloc(1024))
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2020-01-01T00:00:00Z',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      WorkingDir: 'rel/dir',
      Labels: { base: '1' },
      OnBuild: ['ENV FROMTRIGGER=yes', 'LABEL trig=$FROMTRIGGER', 'CMD ["from-trigger"]', 'USER 65534:65534'],
    },
    rootfs: { type: 'layers', diff_ids: [EMPTY_LAYER] },
    history: [{ created: '2020-01-01T00:00:00.000000000+00:00', created_by: 'handmade' }],
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['ic-onbuild-base:latest'], Layers: ['layer.tar'] }]))
  const tar = spawnSync('tar', ['-cf', 'image.tar', 'config.json', 'manifest.json', 'layer.tar'], { cwd: dir })
  if (tar.status !== 0) throw new Error('tar failed')
  docker(['load', '-i', join(dir, 'image.tar')])
}

const cases: Record<string, { dockerfile: string; buildArgs?: Record<string, string> }> = {
  everything: {
    buildArgs: { over: 'fromcli', HTTP_PROXY: 'http://proxy', https_proxy: 'http://hidden' },
    dockerfile: `ARG GLOBAL=g
FROM busybox:latest
ENV A=1 B="two words"
ENV A=3 C=$A
LABEL x=1 "y z"="w v" 10=ten
ARG foo=bar
ARG empty
ARG GLOBAL
ARG over=default
ARG HTTP_PROXY
ARG a=1 b
WORKDIR app/
WORKDIR ../x/./y
WORKDIR /abs/../p/
WORKDIR /
WORKDIR //
USER 1000:1000
EXPOSE 80 443/udp 8000-8001 80/tcp
EXPOSE 53/UDP 1000-1002/sctp
VOLUME ["/data", "/logs"]
VOLUME /v2 $A
STOPSIGNAL SIGKILL
MAINTAINER someone <a@b.c> & co
ONBUILD RUN echo onbuild
COPY --chown=1:1 --chmod=755 a.txt b.* /dst/
ADD a.txt /dst2
RUN echo hi
RUN ["sh", "-c", "echo a  b"]
ENV empty=fromenv
RUN echo again
SHELL ["/bin/sh", "-xc"]
RUN echo shell
CMD echo shellcmd
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD curl -f http://x/ || exit 1
HEALTHCHECK --interval=250ms --start-period=1m30s --timeout=1h --retries=10 CMD ["true", "x"]
ENTRYPOINT ["/bin/echo"]
`,
  },
  entrypoint: { dockerfile: 'FROM busybox:latest\nENTRYPOINT ["echo"]\n' },
  'cmd-then-entrypoint': { dockerfile: 'FROM busybox:latest\nCMD ["x"]\nENTRYPOINT echo hi\nHEALTHCHECK NONE\n' },
  'entrypoint-then-cmd': { dockerfile: 'FROM busybox:latest\nENTRYPOINT ["a"]\nCMD ["b"]\nCMD []\nENTRYPOINT []\n' },
  'multi-stage': {
    dockerfile: `FROM busybox:latest AS base
ONBUILD ENV TRIG=1
CMD ["base"]
WORKDIR /w
FROM base
ENTRYPOINT ["e"]
RUN true
`,
  },
  'scratch-metadata': { dockerfile: 'FROM scratch\nENV A=1\nWORKDIR /\nLABEL k=v\n' },
  'metadata-only': { dockerfile: 'FROM busybox:latest\nENV A=1\nLABEL k=v\n' },
  'onbuild-image': { dockerfile: 'FROM ic-onbuild-base\nENV CHILD=1\nONBUILD RUN echo grandchild\nWORKDIR sub\n' },
}

/**
 * Our created_by in the dialect of the engine's older frontend: EXPOSE printed the Go map of
 * ports, HEALTHCHECK had no StartInterval, COPY/ADD did not record --chown/--chmod/--parents,
 * and ARG recorded the instruction as written (not the value that took effect).
 */
/** What the daemon writes, with Go's nil OnBuild (`"OnBuild":null`) as absent. */
function daemonConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config }
  if (out.OnBuild === null) delete out.OnBuild
  return out
}

beforeAll(() => {
  if (!host) return
  work = mkdtempSync(join(tmpdir(), 'layerlab-image-config-'))
  mkdirSync(join(work, 'ctx'))
  writeFileSync(join(work, 'ctx', 'a.txt'), 'hello\n')
  writeFileSync(join(work, 'ctx', 'b.txt'), 'b\n')
  loadOnbuildBase()
})

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true })
})

describe('image config and history against Docker 20.10 with BuildKit', () => {
  it.skipIf(!host).each(Object.keys(cases))('%s', (name) => {
    const { dockerfile, buildArgs = {} } = cases[name] ?? { dockerfile: '' }
    const file = join(work, `${name}.Dockerfile`)
    writeFileSync(file, dockerfile)
    const tag = `layerlab-ic-${name}:latest`
    const argFlags = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`])
    docker(['build', '--network=none', '-q', ...argFlags, '-t', tag, '-f', file, join(work, 'ctx')])

    const bases = new Map<string, ImageConfig>()
    const baseConfig = (ref: string): ImageConfig | undefined => {
      if (!bases.has(ref)) bases.set(ref, savedConfig(ref) as ImageConfig)
      return bases.get(ref)
    }
    const stages = parseStages(parseDockerfile(dockerfile), { buildArgs })
    const build = expandStages(stages, { imageEnv: (ref) => (baseConfig(ref)?.config as { Env?: string[] }).Env })
    const target = stageConfigs(build, { baseConfig, escapeToken: stages.escapeToken }).at(-1)
    if (target === undefined) throw new Error('no stage')
    // The instruction behind each history entry of the target stage (ARG needs it, see above).
    const own = target.stage.steps
    const instructionAt = new Map<number, Command>()
    let at = target.config.history.length - target.steps.filter((s) => s.history !== null).length
    target.steps.forEach((s, i) => {
      if (s.history === null) return
      const step = own[i - (target.steps.length - own.length)]
      if (step !== undefined) instructionAt.set(at, step.instruction)
      at++
    })

    const saved = savedConfig(tag)
    const theirs: HistoryEntry[] = saved
      ? (saved.history as HistoryEntry[])
      : docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', tag])
          .trim()
          .split('\n')
          .reverse()
          .map((line) => ({ created_by: line.split('|')[0] || undefined, comment: line.split('|')[1] || undefined }))
    const ours = target.config.history
    expect(theirs.map((h) => h.created_by)).toEqual(
      ours.map((h, i) => (h.created_by === undefined ? undefined : toEngine2010(h.created_by, instructionAt.get(i)))),
    )
    expect(theirs.map((h) => h.comment)).toEqual(ours.map((h) => h.comment))

    if (saved === undefined) {
      // No layer at all: check what docker image inspect shows instead.
      const inspect = JSON.parse(docker(['image', 'inspect', tag]))[0] as { Config: Record<string, unknown>; Created: string }
      expect(inspect.Created).toBe('0001-01-01T00:00:00Z') // BuildKit wrote "created": null
      expect(inspect.Config.Env).toEqual(target.config.config.Env)
      expect(inspect.Config.WorkingDir).toBe(target.config.config.WorkingDir)
      expect(inspect.Config.Labels).toEqual(target.config.config.Labels)
      expect(countLayerEntries(target.config.history)).toBe(0)
      return
    }
    expect(theirs.map((h) => h.empty_layer === true)).toEqual(ours.map((h) => h.empty_layer === true))

    // Date our layers with the daemon's layer times: every other timestamp, and `created`,
    // must then come out as the exporter wrote them.
    const rootfs = saved.rootfs as { diff_ids: string[] }
    const added = rootfs.diff_ids.slice(target.config.rootfs.diff_ids.length)
    const layerTimes = theirs
      .filter((h) => h.empty_layer !== true)
      .map((h) => h.created)
      .slice(target.config.rootfs.diff_ids.length)
    const image: OciImageConfig = finalizeConfig(target.config, { layers: added, created: '1999-01-01T00:00:00Z', layerCreated: layerTimes })
    expect(image.history.map((h) => h.created)).toEqual(theirs.map((h) => h.created))
    expect(image.created).toBe(saved.created)
    expect(image.rootfs.diff_ids).toEqual(rootfs.diff_ids)
    expect(image.config).toEqual(daemonConfig(saved.config as Record<string, unknown>))
    expect([image.architecture, image.os, image.author]).toEqual([saved.architecture, saved.os, saved.author])
  })
})
