// BuildKit's progress as the daemon streams it through the classic /build endpoint: JSON
// messages `{ id: 'moby.buildkit.trace', aux: <base64 StatusResponse> }`, where StatusResponse is
// the message of BuildKit's api/services/control/control.proto. Only the fields Layerlab reads
// are declared here (protobuf skips the others), so no .proto file or code generation is needed.

import protobuf from 'protobufjs'

const timestamp = { type: 'google.protobuf.Timestamp' }

/** The part of control.proto (package moby.buildkit.v1) that a status stream uses. */
const descriptor = {
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
      },
    },
    moby: {
      nested: {
        buildkit: {
          nested: {
            v1: {
              nested: {
                StatusResponse: {
                  fields: {
                    vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
                    statuses: { rule: 'repeated', type: 'VertexStatus', id: 2 },
                    logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
                    warnings: { rule: 'repeated', type: 'VertexWarning', id: 4 },
                  },
                },
                Vertex: {
                  fields: {
                    digest: { type: 'string', id: 1 },
                    inputs: { rule: 'repeated', type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    cached: { type: 'bool', id: 4 },
                    started: { ...timestamp, id: 5 },
                    completed: { ...timestamp, id: 6 },
                    error: { type: 'string', id: 7 },
                  },
                },
                VertexStatus: {
                  fields: {
                    ID: { type: 'string', id: 1 },
                    vertex: { type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    current: { type: 'int64', id: 4 },
                    total: { type: 'int64', id: 5 },
                    timestamp: { ...timestamp, id: 6 },
                    started: { ...timestamp, id: 7 },
                    completed: { ...timestamp, id: 8 },
                  },
                },
                VertexLog: {
                  fields: {
                    vertex: { type: 'string', id: 1 },
                    timestamp: { ...timestamp, id: 2 },
                    stream: { type: 'int64', id: 3 },
                    msg: { type: 'bytes', id: 4 },
                  },
                },
                VertexWarning: {
                  fields: {
                    vertex: { type: 'string', id: 1 },
                    level: { type: 'int64', id: 2 },
                    short: { type: 'bytes', id: 3 },
                    detail: { rule: 'repeated', type: 'bytes', id: 4 },
                    url: { type: 'string', id: 5 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
}

let statusType: protobuf.Type | undefined

/** The protobufjs type of moby.buildkit.v1.StatusResponse (built once). */
export function statusResponseType(): protobuf.Type {
  statusType ??= protobuf.Root.fromJSON(descriptor).lookupType('moby.buildkit.v1.StatusResponse')
  return statusType
}

export interface TraceVertex {
  digest: string
  inputs: string[]
  name: string
  cached: boolean
  /** ms since the epoch */
  started?: number
  completed?: number
  error?: string
}

export interface TraceStatus {
  id: string
  vertex: string
  name: string
  current: number
  total?: number
  timestamp?: number
  started?: number
  completed?: number
}

export interface TraceLog {
  vertex: string
  /** 1 stdout, 2 stderr */
  stream: number
  text: string
  timestamp?: number
}

export interface TraceWarning {
  vertex: string
  level: number
  short: string
  detail: string[]
  url?: string
}

export interface TraceUpdate {
  vertexes: TraceVertex[]
  statuses: TraceStatus[]
  logs: TraceLog[]
  warnings: TraceWarning[]
}

interface RawTimestamp {
  seconds?: number
  nanos?: number
}

const ms = (t: RawTimestamp | undefined): number | undefined =>
  t === undefined || t === null ? undefined : (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)

const text = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('utf8') : '')

/** Decodes one `moby.buildkit.trace` aux payload (base64 or raw bytes) into plain values. */
export function decodeTrace(aux: string | Uint8Array): TraceUpdate {
  const bytes = typeof aux === 'string' ? Buffer.from(aux, 'base64') : aux
  const type = statusResponseType()
  const raw = type.toObject(type.decode(bytes), { longs: Number, arrays: true, defaults: false }) as {
    vertexes: Record<string, unknown>[]
    statuses: Record<string, unknown>[]
    logs: Record<string, unknown>[]
    warnings: Record<string, unknown>[]
  }
  return {
    vertexes: raw.vertexes.map((v) => {
      const started = ms(v.started as RawTimestamp | undefined)
      const completed = ms(v.completed as RawTimestamp | undefined)
      return {
        digest: String(v.digest ?? ''),
        inputs: (v.inputs as string[] | undefined) ?? [],
        name: String(v.name ?? ''),
        cached: v.cached === true,
        ...(started !== undefined ? { started } : {}),
        ...(completed !== undefined ? { completed } : {}),
        ...(typeof v.error === 'string' && v.error !== '' ? { error: v.error } : {}),
      }
    }),
    statuses: raw.statuses.map((s) => {
      const opt = (key: string) => {
        const value = ms(s[key] as RawTimestamp | undefined)
        return value === undefined ? {} : { [key]: value }
      }
      return {
        id: String(s.ID ?? ''),
        vertex: String(s.vertex ?? ''),
        name: String(s.name ?? ''),
        current: Number(s.current ?? 0),
        ...(typeof s.total === 'number' && s.total > 0 ? { total: s.total } : {}),
        ...opt('timestamp'),
        ...opt('started'),
        ...opt('completed'),
      }
    }),
    logs: raw.logs.map((l) => {
      const at = ms(l.timestamp as RawTimestamp | undefined)
      return {
        vertex: String(l.vertex ?? ''),
        stream: Number(l.stream ?? 1),
        text: text(l.msg as Uint8Array | undefined),
        ...(at !== undefined ? { timestamp: at } : {}),
      }
    }),
    warnings: raw.warnings.map((w) => ({
      vertex: String(w.vertex ?? ''),
      level: Number(w.level ?? 0),
      short: text(w.short as Uint8Array | undefined),
      detail: ((w.detail as Uint8Array[] | undefined) ?? []).map(text),
      ...(typeof w.url === 'string' && w.url !== '' ? { url: w.url } : {}),
    })),
  }
}

/** Encodes a StatusResponse from plain protobufjs values (tests, recorded fixtures). */
export function encodeTrace(value: Record<string, unknown>): string {
  const type = statusResponseType()
  return Buffer.from(type.encode(type.fromObject(value)).finish()).toString('base64')
}

export interface VertexStepName {
  /** The stage prefix (`stage-1`, `builder`), absent for single-stage builds. */
  stage?: string
  /** 1-based position among the stage's steps that BuildKit counts. */
  position: number
  total: number
  /** The displayed instruction (`COPY app.sh /app.sh`, `FROM docker.io/library/busybox:latest@sha256:…`). */
  instruction: string
}

/** `[stage-1 2/3] COPY a b` or `[ 2/12] RUN x` → its parts; undefined for `[internal] …` and the like. */
export function parseVertexName(name: string): VertexStepName | undefined {
  const match = /^(?:[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)? )?\[(?:([^\s\]]+) +)?\s*(\d+)\/(\d+)\] (.*)$/s.exec(name)
  if (!match) return undefined
  const [, stage, position, total, instruction = ''] = match
  return { ...(stage ? { stage } : {}), position: Number(position), total: Number(total), instruction }
}
