import { describe, expect, it } from 'vitest'
import { historyCommand, historyKind, layerChain, matchBuiltLayers, type SavedImageLayers } from './docker-built-layers'
import { planDockerBuild, stageDockerfile } from './docker-backend-plan'

const plan = (text: string, options: { target?: string; legacy?: boolean } = {}) => {
  const { staged } = stageDockerfile(text, options.target ? { target: options.target } : {})
  return planDockerBuild(staged, new Map(), { legacy: options.legacy ?? false, ...(options.target ? { target: options.target } : {}) })
}

describe('historyKind', () => {
  it("reads BuildKit's and the legacy builder's created_by", () => {
    expect(historyKind('RUN /bin/sh -c echo hi # buildkit')).toBe('run')
    expect(historyKind('COPY app.txt /app/app.txt # buildkit')).toBe('copy')
    expect(historyKind('ADD https://x/y /y # buildkit')).toBe('add')
    expect(historyKind('WORKDIR /src')).toBe('workdir')
    expect(historyKind('/bin/sh -c echo first > /first.txt')).toBe('run')
    expect(historyKind('|1 V=2 /bin/sh -c echo $V')).toBe('run')
    expect(historyKind('/bin/sh -c #(nop) COPY file:0a1b in /app/ ')).toBe('copy')
    expect(historyKind('/bin/sh -c #(nop) WORKDIR /src')).toBe('workdir')
    expect(historyKind('/bin/sh -c #(nop)  CMD ["sh"]')).toBeUndefined()
    expect(historyKind('ENV A=1')).toBeUndefined()
  })
})

describe('layerChain', () => {
  it('takes the target stage after the stages it is built FROM, layer-making steps only', () => {
    const p = plan('FROM busybox AS base\nRUN echo a\nENV X=1\nFROM alpine AS other\nRUN echo b\nFROM base\nCOPY f /f\nCMD ["sh"]\n')
    const chain = layerChain(p)
    expect(chain.baseRef).toBe('busybox')
    expect(chain.steps.map((s) => s.instruction)).toEqual(['RUN echo a', 'COPY f /f'])
    expect(layerChain(plan('FROM scratch\nCOPY f /f\n')).baseRef).toBeUndefined()
  })
})

describe('matchBuiltLayers', () => {
  const p = plan('FROM busybox\nWORKDIR /app\nCOPY a /a\nRUN echo quiet\nENV X=1\nRUN echo > /b\n')
  const chain = layerChain(p)
  const image = (rows: [string, boolean][]): SavedImageLayers => {
    const layered = rows.filter(([, empty]) => !empty)
    return {
      id: 'sha256:img',
      history: rows.map(([created_by, empty]) => ({ created_by, ...(empty ? { empty_layer: true } : {}) })),
      diffIds: layered.map((_, i) => `sha256:${i}`),
      sizes: layered.map((_, i) => 1000 + i),
    }
  }

  it('gives each layer above the base to the next step of its kind, skipping steps that made none', () => {
    // BuildKit: WORKDIR of an existing path and a RUN that changed nothing leave no layer.
    const saved = image([
      ['/bin/sh -c #(nop) ADD file:base in / ', false],
      ['/bin/sh -c #(nop)  CMD ["sh"]', true],
      ['WORKDIR /app', true],
      ['COPY a /a # buildkit', false],
      ['RUN /bin/sh -c echo quiet # buildkit', true],
      ['ENV X=1', true],
      ['RUN /bin/sh -c echo > /b # buildkit', false],
    ])
    const layers = matchBuiltLayers(chain, 1, saved)
    expect(Object.fromEntries([...layers].map(([id, l]) => [chain.steps.find((s) => s.id === id)?.instruction, l]))).toEqual({
      'COPY a /a': { diffId: 'sha256:1', size: 1001 },
      'RUN echo > /b': { diffId: 'sha256:2', size: 1002 },
    })
  })

  it('matches every step when each made a layer (the legacy builder)', () => {
    const saved = image([
      ['/bin/sh -c #(nop) ADD file:base in / ', false],
      ['/bin/sh -c #(nop) WORKDIR /app', false],
      ['/bin/sh -c #(nop) COPY file:aa in /a ', false],
      ['/bin/sh -c echo quiet', false],
      ['/bin/sh -c #(nop)  ENV X=1', true],
      ['/bin/sh -c echo > /b', false],
    ])
    expect([...matchBuiltLayers(chain, 1, saved).values()].map((l) => l.diffId)).toEqual(['sha256:1', 'sha256:2', 'sha256:3', 'sha256:4'])
  })

  it('gives nothing when the history does not account for the layers', () => {
    const saved = image([['COPY a /a # buildkit', false]])
    saved.diffIds.push('sha256:extra')
    expect(matchBuiltLayers(chain, 0, saved).size).toBe(0)
  })
})

describe('historyCommand', () => {
  it('unwraps both builders’ created_by', () => {
    expect(historyCommand('RUN /bin/sh -c echo  hi # buildkit')).toBe('echo hi')
    expect(historyCommand('RUN |2 A=1 B=2 /bin/sh -c echo $A # buildkit')).toBe('echo $A')
    expect(historyCommand('/bin/sh -c echo first > /first.txt')).toBe('echo first > /first.txt')
    expect(historyCommand('COPY a /a # buildkit')).toBe('a /a')
  })
})
