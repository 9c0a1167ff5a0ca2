import { describe, expect, it } from 'vitest'
import { legacyStepMap, planDockerBuild, stageDockerfile, VertexStepMap } from './docker-backend-plan'

const multi = [
  'ARG V=1',
  'FROM busybox:latest AS builder',
  'WORKDIR /src',
  'ENV A=1',
  'COPY . .',
  'RUN make',
  'FROM scratch',
  'LABEL x=y',
  'COPY --from=builder /src/out /out',
  'FROM builder AS test',
  'RUN test',
  '',
].join('\n')

function plan(text: string, options: { target?: string; legacy?: boolean } = {}) {
  const { staged } = stageDockerfile(text, options.target ? { target: options.target } : {})
  return planDockerBuild(staged, new Map(), { ...(options.target ? { target: options.target } : {}), legacy: options.legacy ?? false })
}

describe('the Docker backend plan', () => {
  it('plans the same step ids as the embedded engine, without any store', () => {
    const p = plan(multi, { target: 'test' })
    expect(p.stages.map((s) => s.steps.map((step) => `${step.id} ${step.kind} ${step.instruction}`))).toEqual([
      ['0.0 from FROM busybox:latest AS builder', '0.1 workdir WORKDIR /src', '0.2 metadata ENV A=1', '0.3 copy COPY . .', '0.4 run RUN make'],
      ['2.0 from FROM builder AS test', '2.1 run RUN test'],
    ])
  })

  it('maps BuildKit vertex names to steps: per stage, counting FROM of an image and RUN/COPY/ADD/WORKDIR', () => {
    // Without the last stage, the target is the unnamed stage-1 (it needs builder).
    const p = plan(multi.split('\n').slice(0, 9).join('\n'))
    const map = new VertexStepMap(p)
    expect(map.step('[builder 1/4] FROM docker.io/library/busybox:latest@sha256:abc')?.id).toBe('0.0')
    expect(map.step('[builder 2/4] WORKDIR /src')?.id).toBe('0.1')
    expect(map.step('[builder 3/4] COPY . .')?.id).toBe('0.3')
    expect(map.step('[builder 4/4] RUN make')?.id).toBe('0.4')
    // FROM scratch has no vertex: the COPY is the stage's first.
    expect(map.step('[stage-1 1/1] COPY --from=builder /src/out /out')?.id).toBe('1.2')
    expect(map.step('[internal] load build context')).toBeUndefined()
    expect(map.step('[2/4] RUN make')).toBeUndefined()
  })

  it('maps unprefixed vertex names when the file has one stage', () => {
    const p = plan('FROM busybox\nENV A=1\nCOPY a /a\nRUN x\n')
    const map = new VertexStepMap(p)
    expect(map.step('[1/3] FROM docker.io/library/busybox:latest')?.id).toBe('0.0')
    expect(map.step('[2/3] COPY a /a')?.id).toBe('0.2')
    expect(map.step('[3/3] RUN x')?.id).toBe('0.3')
  })

  it('maps legacy Step N/M numbers: meta ARGs first, every stage up to the target in file order', () => {
    const p = plan(multi, { target: 'test', legacy: true })
    expect(p.stages.map((s) => s.stage.index)).toEqual([0, 1, 2])
    expect(legacyStepMap(p)).toEqual([-1, '0.0', '0.1', '0.2', '0.3', '0.4', '1.0', '1.1', '1.2', '2.0', '2.1'])
  })
})
