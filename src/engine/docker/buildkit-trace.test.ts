import { describe, expect, it } from 'vitest'
import { decodeTrace, encodeTrace, parseVertexName } from './buildkit-trace'

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 })

describe('BuildKit trace decoding', () => {
  it('decodes vertexes, statuses, logs and warnings of a StatusResponse', () => {
    const aux = encodeTrace({
      vertexes: [
        { digest: 'sha256:aa', inputs: ['sha256:00'], name: '[2/3] COPY app.sh /app.sh', cached: true, started: ts(1_700_000_000_250), completed: ts(1_700_000_000_300) },
        { digest: 'sha256:bb', name: '[3/3] RUN exit 3', started: ts(1_700_000_001_000), completed: ts(1_700_000_002_500), error: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3' },
        { digest: 'sha256:cc', name: '[internal] load build context', started: ts(1_700_000_000_000) },
      ],
      statuses: [{ ID: 'transferring context:', vertex: 'sha256:cc', name: 'transferring', current: 1024, total: 2048, timestamp: ts(1_700_000_000_100) }],
      logs: [{ vertex: 'sha256:bb', timestamp: ts(1_700_000_001_200), stream: 2, msg: Buffer.from('boom\n') }],
      warnings: [{ vertex: 'sha256:bb', level: 1, short: Buffer.from('careful'), detail: [Buffer.from('a'), Buffer.from('b')], url: 'https://x' }],
    })
    const update = decodeTrace(aux)
    expect(update.vertexes).toEqual([
      { digest: 'sha256:aa', inputs: ['sha256:00'], name: '[2/3] COPY app.sh /app.sh', cached: true, started: 1_700_000_000_250, completed: 1_700_000_000_300 },
      {
        digest: 'sha256:bb',
        inputs: [],
        name: '[3/3] RUN exit 3',
        cached: false,
        started: 1_700_000_001_000,
        completed: 1_700_000_002_500,
        error: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      },
      { digest: 'sha256:cc', inputs: [], name: '[internal] load build context', cached: false, started: 1_700_000_000_000 },
    ])
    expect(update.statuses).toEqual([
      { id: 'transferring context:', vertex: 'sha256:cc', name: 'transferring', current: 1024, total: 2048, timestamp: 1_700_000_000_100 },
    ])
    expect(update.logs).toEqual([{ vertex: 'sha256:bb', stream: 2, text: 'boom\n', timestamp: 1_700_000_001_200 }])
    expect(update.warnings).toEqual([{ vertex: 'sha256:bb', level: 1, short: 'careful', detail: ['a', 'b'], url: 'https://x' }])
  })

  it('accepts raw bytes and an empty message', () => {
    expect(decodeTrace(new Uint8Array())).toEqual({ vertexes: [], statuses: [], logs: [], warnings: [] })
    const update = decodeTrace(Buffer.from(encodeTrace({ vertexes: [{ digest: 'sha256:x', name: 'exporting to image' }] }), 'base64'))
    expect(update.vertexes[0]).toMatchObject({ digest: 'sha256:x', name: 'exporting to image', cached: false })
  })

  it('ignores fields it does not declare (newer BuildKit versions)', () => {
    // Vertex field 8 (progressGroup, a message) and an unknown top-level field 9.
    const known = Buffer.from(encodeTrace({ vertexes: [{ digest: 'sha256:x', name: 'n' }] }), 'base64')
    const vertexBody = known.subarray(2)
    const extra = Buffer.from([0x42, 0x02, 0x0a, 0x00])
    const vertex = Buffer.concat([Buffer.from([0x0a, vertexBody.length + extra.length]), vertexBody, extra])
    const message = Buffer.concat([vertex, Buffer.from([0x4a, 0x01, 0x41])])
    expect(decodeTrace(message).vertexes).toEqual([{ digest: 'sha256:x', inputs: [], name: 'n', cached: false }])
  })
})

describe('vertex names', () => {
  it('parses step vertices with and without a stage, padded positions', () => {
    expect(parseVertexName('[2/3] COPY app.sh /app.sh')).toEqual({ position: 2, total: 3, instruction: 'COPY app.sh /app.sh' })
    expect(parseVertexName('[stage-1 1/2] FROM docker.io/library/busybox:latest')).toEqual({
      stage: 'stage-1',
      position: 1,
      total: 2,
      instruction: 'FROM docker.io/library/busybox:latest',
    })
    expect(parseVertexName('[builder  3/12] RUN a\nb')).toEqual({ stage: 'builder', position: 3, total: 12, instruction: 'RUN a\nb' })
    expect(parseVertexName('[ 3/12] RUN x')).toEqual({ position: 3, total: 12, instruction: 'RUN x' })
    expect(parseVertexName('[internal] load build context')).toBeUndefined()
    expect(parseVertexName('exporting to image')).toBeUndefined()
  })
})
