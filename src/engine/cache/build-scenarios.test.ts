// Two builds of real Dockerfiles through the real front end (parse → stages → expandStages), keyed
// and explained the way the orchestrator will do it. Each case states, per keyed step of the
// second build, whether it is cached or the exact miss text the timeline would show
// (engine-reference §5.1 consequences and §8.2 cases).

import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { describeMissReason } from '../../shared/build-events'
import { expandStages, parseDockerfile, parseStages } from '../dockerfile'
import type { BuildOptions } from '../dockerfile'
import { cacheKey, chainKey } from './cache-key'
import { cleanSelector } from './container-path'
import { explainMiss } from './miss-reason'
import type { ParentRebuilt } from './miss-reason'
import type { StepContext } from './step-inputs'
import { DEFAULT_SHELL, baseParentKey, copyStepInputs, fromStepInputs, resolveWorkdir, runStepInputs, workdirStepInputs } from './step-inputs'
import type { BaseImage, SourceInput, StepInputs } from './step-ops'
import { stepIdentity } from './step-record'
import type { StepRecord } from './step-record'

interface Build {
  readonly text: string
  readonly buildArgs?: Record<string, string>
  /** The build context: path → content (mode folded in: a chmod is a different string). */
  readonly files?: Record<string, string>
  /** Manifest digest each image name resolves to. */
  readonly images?: Record<string, string>
}

interface Step {
  readonly identity: string
  readonly index: number
  readonly text: string
  readonly inputs: StepInputs
  readonly key: string
}

const sha = (s: string) => 'sha256:' + createHash('sha256').update(s).digest('hex')
const DEFAULT_FILES = { a: 'A', b: 'B', 'src/app.ts': 'app', 'src/util.ts': 'util' }

/** A stand-in for the context module: BuildKit's inclusion rules, not its bytes (§5.2). */
function sourceInput(source: string, files: Record<string, string>): SourceInput {
  const rel = cleanSelector(source).slice(1)
  const pattern = new RegExp('^' + rel.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$')
  const ancestors = (p: string) => p.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))
  const matched = Object.keys(files).filter((p) => rel === '' || ancestors(p).some((a) => pattern.test(a))).sort()
  const map = Object.fromEntries(matched.map((p) => [p, sha(files[p] ?? '')]))
  // One named file: its content digest, name-independent. Otherwise names count (a rename misses).
  const single = matched.length === 1 && matched[0] === rel
  const digest = single ? (map[rel] ?? '') : sha(JSON.stringify(matched.map((p) => [p, map[p]])))
  return { selector: source, digest, files: map }
}

/** Every keyed step of every stage built, as the orchestrator would key them. */
function plan(build: Build): Step[] {
  const options: BuildOptions = { buildArgs: build.buildArgs ?? {} }
  const expanded = expandStages(parseStages(parseDockerfile(build.text), options))
  const stageKeys = new Map<number, string>()
  const steps: Step[] = []
  for (const stage of expanded.stages) {
    const { base: from, name, index: stageIndex } = stage.stage
    const base: BaseImage = from.scratch
      ? { kind: 'scratch' }
      : from.stage !== null
        ? { kind: 'stage', name: from.expanded, key: stageKeys.get(from.stage) ?? '' }
        : { kind: 'image', ref: from.expanded, manifestDigest: build.images?.[from.expanded] ?? sha(from.expanded), platform: stage.platform }
    const stageId = name ?? stageIndex
    let keyed = 0
    const push = (inputs: StepInputs, index: number, text: string) => {
      steps.push({ identity: stepIdentity('/ctx/Dockerfile', stageId, keyed++), index, text, inputs, key: cacheKey(inputs) })
    }
    push(fromStepInputs(base), 0, stage.stage.from.original)
    let parent = baseParentKey(base)
    let state = { workdir: '/', user: '', shell: DEFAULT_SHELL }
    stage.steps.forEach((step, i) => {
      const c = step.expanded
      const ctx: StepContext = { ...state, env: step.env, args: step.args, platform: stage.platform }
      let inputs: StepInputs | null = null
      if (c.kind === 'run') inputs = runStepInputs(parent, c, ctx)
      else if (c.kind === 'copy' || c.kind === 'add') {
        const fromStage = c.kind === 'copy' && c.from !== null ? expanded.stages.find((s) => s.stage.name === c.from) : undefined
        const sources = c.sources.map((s) =>
          fromStage ? { selector: s, digest: stageKeys.get(fromStage.stage.index) ?? '' } : sourceInput(s, build.files ?? DEFAULT_FILES),
        )
        inputs = copyStepInputs(parent, c, ctx, sources)
      } else if (c.kind === 'workdir') {
        inputs = workdirStepInputs(parent, c, ctx)
        state = { ...state, workdir: resolveWorkdir(state.workdir, c.path) }
      } else if (c.kind === 'user') state = { ...state, user: c.user }
      else if (c.kind === 'shell') state = { ...state, shell: c.shell }
      if (inputs === null) return
      push(inputs, i + 1, step.instruction.original)
      parent = chainKey(parent, inputs)
    })
    stageKeys.set(stageIndex, parent)
  }
  return steps
}

/** Builds `before`, then `after` against its cache and records: what each keyed step shows. */
function rebuild(before: Build, after: Build, opts: { noCache?: boolean } = {}): [string, string][] {
  const first = plan(before)
  const cache = new Set(first.map((s) => s.key))
  const records = new Map<string, StepRecord>(first.map((s) => [s.identity, { instruction: s.text, inputs: s.inputs }]))
  let rebuilt: ParentRebuilt | undefined
  return plan(after).map((step) => {
    if (step.index === 0) rebuilt = undefined
    if (!opts.noCache && cache.has(step.key)) return [step.text, 'cached']
    const reason = explainMiss({ instruction: step.text, inputs: step.inputs }, records.get(step.identity), {
      noCache: opts.noCache,
      parentRebuilt: rebuilt,
    })
    rebuilt = { stepId: step.identity, index: step.index, instruction: step.text }
    return [step.text, describeMissReason(reason)]
  })
}

const dockerfile = (...lines: string[]) => lines.join('\n') + '\n'

interface Case {
  readonly name: string
  readonly before: Build
  /** The second build: fields not given are the first build's. */
  readonly after: Partial<Build>
  readonly expected: [string, string][]
}

const ARG_FILE = dockerfile('FROM alpine', 'COPY a /a', 'ARG V', 'RUN echo build', 'COPY b /b')

const cases: Case[] = [
  {
    name: 'an ARG change misses the first RUN after its declaration, not a COPY before it; later steps follow',
    before: { text: ARG_FILE, buildArgs: { V: '1' } },
    after: { buildArgs: { V: '2' } },
    expected: [['FROM alpine', 'cached'], ['COPY a /a', 'cached'], ['RUN echo build', 'build arg V: 1 → 2'], ['COPY b /b', 'parent step 3 was rebuilt (RUN echo build)']],
  },
  {
    name: 'a COPY whose own text uses the ARG misses on it',
    before: { text: dockerfile('FROM alpine', 'ARG V', 'COPY app-${V}.txt /app/'), buildArgs: { V: '1' }, files: { 'app-1.txt': 'x', 'app-2.txt': 'x' } },
    after: { buildArgs: { V: '2' } },
    expected: [['FROM alpine', 'cached'], ['COPY app-${V}.txt /app/', 'build arg V: 1 → 2']],
  },
  {
    name: 'declaring an ARG without a value changes nothing',
    before: { text: dockerfile('FROM alpine', 'COPY a /a', 'RUN echo build') },
    after: { text: dockerfile('FROM alpine', 'ARG V', 'COPY a /a', 'ARG W', 'RUN echo build') },
    expected: [['FROM alpine', 'cached'], ['COPY a /a', 'cached'], ['RUN echo build', 'cached']],
  },
  {
    name: 'undeclared build args, proxy args included, change nothing',
    before: { text: dockerfile('FROM alpine', 'RUN echo build') },
    after: { buildArgs: { V: '2', HTTP_PROXY: 'http://proxy:3128', no_proxy: 'x' } },
    expected: [['FROM alpine', 'cached'], ['RUN echo build', 'cached']],
  },
  {
    name: 'an ENV change misses later RUNs but not the COPY right after it',
    before: { text: dockerfile('FROM alpine', 'ENV X=1', 'COPY a /a', 'RUN echo build') },
    after: { text: dockerfile('FROM alpine', 'ENV X=2', 'COPY a /a', 'RUN echo build') },
    expected: [['FROM alpine', 'cached'], ['COPY a /a', 'cached'], ['RUN echo build', 'ENV X: 1 → 2']],
  },
  {
    name: 'an ENV used in a COPY destination misses that COPY',
    before: { text: dockerfile('FROM alpine', 'ENV D=/x', 'COPY a $D/') },
    after: { text: dockerfile('FROM alpine', 'ENV D=/y', 'COPY a $D/') },
    expected: [['FROM alpine', 'cached'], ['COPY a $D/', 'ENV D: /x → /y']],
  },
  {
    name: 'metadata instructions never change a key',
    before: { text: dockerfile('FROM alpine', 'LABEL a=1', 'EXPOSE 80', 'CMD ["a"]', 'ENTRYPOINT ["b"]', 'COPY a /a', 'VOLUME /v', 'STOPSIGNAL SIGTERM', 'HEALTHCHECK NONE', 'ONBUILD RUN x', 'MAINTAINER me', 'RUN echo build', 'USER app', 'SHELL ["/bin/bash", "-c"]') },
    after: { text: dockerfile('FROM alpine', 'LABEL a=2 b=3', 'EXPOSE 8080', 'CMD ["c"]', 'ENTRYPOINT ["d"]', 'COPY a /a', 'VOLUME /w', 'STOPSIGNAL SIGKILL', 'HEALTHCHECK CMD true', 'ONBUILD RUN y', 'MAINTAINER you', 'RUN echo build', 'USER other', 'SHELL ["/bin/zsh", "-c"]') },
    expected: [['FROM alpine', 'cached'], ['COPY a /a', 'cached'], ['RUN echo build', 'cached']],
  },
  {
    name: 'touching a file (same digest) keeps the key',
    before: { text: dockerfile('FROM alpine', 'COPY src /src') },
    after: { files: { ...DEFAULT_FILES } },
    expected: [['FROM alpine', 'cached'], ['COPY src /src', 'cached']],
  },
  {
    name: 'a content edit and a new file in a copied directory',
    before: { text: dockerfile('FROM alpine', 'COPY src /src', 'RUN build') },
    after: { files: { ...DEFAULT_FILES, 'src/app.ts': 'app v2', 'src/new.ts': 'new' } },
    expected: [['FROM alpine', 'cached'], ['COPY src /src', 'src/app.ts changed; src/new.ts added'], ['RUN build', 'parent step 1 was rebuilt (COPY src /src)']],
  },
  {
    name: 'a chmod (a different digest) of a single copied file',
    before: { text: dockerfile('FROM alpine', 'COPY src/app.ts /app.ts'), files: { 'src/app.ts': 'app|0644' } },
    after: { files: { 'src/app.ts': 'app|0755' } },
    expected: [['FROM alpine', 'cached'], ['COPY src/app.ts /app.ts', 'src/app.ts changed']],
  },
  {
    name: 'renaming a file matched by a wildcard (testWildcardRenameCache)',
    before: { text: dockerfile('FROM alpine', 'COPY foo* /x/'), files: { foo1: 'same' } },
    after: { files: { foo2: 'same' } },
    expected: [['FROM alpine', 'cached'], ['COPY foo* /x/', 'foo2 added; foo1 removed']],
  },
  {
    name: 'keys chain: every step after a miss misses',
    before: { text: dockerfile('FROM alpine', 'RUN one', 'WORKDIR /w', 'COPY a .', 'RUN two') },
    after: { text: dockerfile('FROM alpine', 'RUN one!', 'WORKDIR /w', 'COPY a .', 'RUN two') },
    expected: [
      ['FROM alpine', 'cached'],
      ['RUN one!', 'instruction changed: "RUN one!" (was "RUN one")'],
      ['WORKDIR /w', 'parent step 1 was rebuilt (RUN one!)'],
      ['COPY a .', 'parent step 2 was rebuilt (WORKDIR /w)'],
      ['RUN two', 'parent step 3 was rebuilt (COPY a .)'],
    ],
  },
  {
    name: 'COPY --link ignores its parent; the step after it does not',
    before: { text: dockerfile('FROM alpine', 'RUN one', 'COPY --link a /a', 'RUN two') },
    after: { text: dockerfile('FROM alpine', 'RUN uno', 'COPY --link a /a', 'RUN two') },
    expected: [
      ['FROM alpine', 'cached'],
      ['RUN uno', 'instruction changed: "RUN uno" (was "RUN one")'],
      ['COPY --link a /a', 'cached'],
      ['RUN two', 'parent step 1 was rebuilt (RUN uno)'],
    ],
  },
  {
    name: 'a whitespace edit inside a RUN is an instruction change',
    before: { text: dockerfile('FROM alpine', 'RUN cat /dep.txt') },
    after: { text: dockerfile('FROM alpine', 'RUN cat  /dep.txt') },
    expected: [['FROM alpine', 'cached'], ['RUN cat  /dep.txt', 'instruction changed: "RUN cat  /dep.txt" (was "RUN cat /dep.txt")']],
  },
  {
    name: 'a comment-only edit changes no key',
    before: { text: dockerfile('FROM alpine', 'COPY a /a', 'RUN echo build') },
    after: { text: dockerfile('# build the thing', 'FROM alpine', '', '# copy', 'COPY a /a', '  # then run', 'RUN echo build') },
    expected: [['FROM alpine', 'cached'], ['COPY a /a', 'cached'], ['RUN echo build', 'cached']],
  },
  {
    name: 'reordering two COPYs compares each with the other one’s old record',
    before: { text: dockerfile('FROM alpine', 'COPY a /a', 'COPY b /b', 'RUN x') },
    after: { text: dockerfile('FROM alpine', 'COPY b /b', 'COPY a /a', 'RUN x') },
    expected: [
      ['FROM alpine', 'cached'],
      ['COPY b /b', 'instruction changed: "COPY b /b" (was "COPY a /a")'],
      ['COPY a /a', 'instruction changed: "COPY a /a" (was "COPY b /b")'],
      ['RUN x', 'parent step 2 was rebuilt (COPY a /a)'],
    ],
  },
  {
    name: 'spellings of one destination, source and mode share a key',
    before: { text: dockerfile('FROM alpine', 'WORKDIR /app', 'COPY --chmod=755 src/ .') },
    after: { text: dockerfile('FROM alpine', 'WORKDIR /app', 'COPY --chmod=0755 ./src/. /app/') },
    expected: [['FROM alpine', 'cached'], ['WORKDIR /app', 'cached'], ['COPY --chmod=0755 ./src/. /app/', 'cached']],
  },
  {
    name: 'WORKDIR, USER and SHELL reach the RUN after them',
    before: { text: dockerfile('FROM alpine', 'WORKDIR /a', 'USER app', 'RUN one', 'RUN two', 'SHELL ["/bin/bash", "-c"]', 'RUN three') },
    after: { text: dockerfile('FROM alpine', 'WORKDIR /a', 'USER root', 'RUN one', 'RUN two', 'SHELL ["/bin/sh", "-c"]', 'RUN three'), buildArgs: {} },
    expected: [
      ['FROM alpine', 'cached'],
      ['WORKDIR /a', 'cached'],
      ['RUN one', 'USER changed: app → root'],
      ['RUN two', 'USER changed: app → root'],
      ['RUN three', 'USER changed: app → root; SHELL changed: ["/bin/bash","-c"] → ["/bin/sh","-c"]'],
    ],
  },
  {
    name: 'a base image that moved',
    before: { text: dockerfile('FROM alpine:3.19', 'RUN one', 'RUN two'), images: { 'alpine:3.19': 'sha256:' + 'a'.repeat(64) } },
    after: { images: { 'alpine:3.19': 'sha256:' + 'b'.repeat(64) } },
    expected: [
      ['FROM alpine:3.19', 'base image changed: alpine:3.19@sha256:bbbbbbbbbbbb (was alpine:3.19@sha256:aaaaaaaaaaaa)'],
      ['RUN one', 'base image changed: sha256:bbbbbbbbbbbb (was sha256:aaaaaaaaaaaa)'],
      ['RUN two', 'parent step 1 was rebuilt (RUN one)'],
    ],
  },
]

describe('two builds: what each keyed step shows', () => {
  it.each(cases)('$name', ({ before, after, expected }) => {
    expect(rebuild(before, { ...before, ...after })).toEqual(expected)
  })

  it('says "first build" with no record and "--no-cache" when asked', () => {
    const build = { text: dockerfile('FROM alpine', 'RUN one') }
    expect(rebuild({ text: dockerfile('FROM busybox AS other') }, build).map(([, r]) => r)).toEqual(['first build', 'first build'])
    expect(rebuild(build, build, { noCache: true }).map(([, r]) => r)).toEqual(['--no-cache', '--no-cache'])
  })

  it('identical builds give identical keys (testReproducibleIDs)', () => {
    const build = { text: dockerfile('FROM alpine AS base', 'WORKDIR /w', 'COPY src .', 'FROM base', 'RUN make'), buildArgs: { V: '1' } }
    expect(plan(build).map((s) => s.key)).toEqual(plan({ ...build }).map((s) => s.key))
  })

  it('a stage built FROM a rebuilt stage reads as a rebuilt parent', () => {
    const text = (cmd: string) => dockerfile('FROM alpine AS base', `RUN ${cmd}`, 'FROM base', 'RUN make')
    expect(rebuild({ text: text('one') }, { text: text('two') })).toEqual([
      ['FROM alpine AS base', 'cached'],
      ['RUN two', 'instruction changed: "RUN two" (was "RUN one")'],
      ['FROM base', 'stage base changed'],
      ['RUN make', 'parent step 0 was rebuilt (FROM base)'],
    ])
  })
})
