// The config blob byte for byte as BuildKit's exporter writes it. The exporter re-encodes the
// frontend's JSON as a Go map[string]json.RawMessage, so top-level keys come out sorted; inside
// "config", "history" and "rootfs" the Go struct order holds. Go's encoder escapes <, >, & and
// U+2028/9, and writes a nil slice as null (a scratch image without layers has
// `"diff_ids":null`, without instructions `"history":null`, and undated `"created":null`).

import type { ContainerConfig, HealthcheckConfig, HistoryEntry, OciImageConfig } from './types'

const SHORT: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** encoding/json string encoding (HTML-safe, invalid UTF-16 as U+FFFD). */
export function goJsonString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    const short = SHORT[ch]
    if (short !== undefined) out += short
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) {
      out += '\\u' + cp.toString(16).padStart(4, '0')
    } else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'
    else out += ch
  }
  return out + '"'
}

/** Go's sort order for map keys: by UTF-8 bytes, which is code point order. */
export function goKeyOrder(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0)
    if (d !== 0) return d
  }
  return x.length - y.length
}

type Field = readonly [name: string, json: string | undefined]

function object(fields: readonly Field[]): string {
  const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined)
  return `{${present.map(([k, v]) => `${goJsonString(k)}:${v}`).join(',')}}`
}

/** Go map → JSON object, keys sorted; undefined for an empty map under omitempty. */
function map<V>(m: Readonly<Record<string, V>> | undefined, value: (v: V) => string): string | undefined {
  if (m === undefined) return undefined
  const keys = Object.keys(m).sort(goKeyOrder)
  if (keys.length === 0) return undefined
  return `{${keys.map((k) => `${goJsonString(k)}:${value(m[k] as V)}`).join(',')}}`
}

/** A []string field: omitted when empty (omitempty), or null when `nil` is what Go would write. */
function strings(list: readonly string[] | undefined, empty: 'omit' | 'null' = 'omit'): string | undefined {
  if (list === undefined || list.length === 0) return empty === 'omit' ? undefined : 'null'
  return `[${list.map(goJsonString).join(',')}]`
}

const str = (s: string | undefined) => (s === undefined || s === '' ? undefined : goJsonString(s))
const int = (n: number | undefined) => (n === undefined || n === 0 ? undefined : String(Math.trunc(n)))

function healthcheck(h: HealthcheckConfig): string {
  return object([
    ['Test', strings(h.Test)],
    ['Interval', int(h.Interval)],
    ['Timeout', int(h.Timeout)],
    ['StartPeriod', int(h.StartPeriod)],
    ['StartInterval', int(h.StartInterval)],
    ['Retries', int(h.Retries)],
  ])
}

/** dockerspec.DockerOCIImageConfig field order: ocispec.ImageConfig, then Docker's extensions. */
export function containerConfigJson(c: ContainerConfig): string {
  return object([
    ['User', str(c.User)],
    ['ExposedPorts', map(c.ExposedPorts, () => '{}')],
    ['Env', strings(c.Env)],
    ['Entrypoint', strings(c.Entrypoint)],
    ['Cmd', strings(c.Cmd)],
    ['Volumes', map(c.Volumes, () => '{}')],
    ['WorkingDir', str(c.WorkingDir)],
    ['Labels', map(c.Labels, goJsonString)],
    ['StopSignal', str(c.StopSignal)],
    ['ArgsEscaped', c.ArgsEscaped === true ? 'true' : undefined],
    ['Healthcheck', c.Healthcheck === undefined ? undefined : healthcheck(c.Healthcheck)],
    ['OnBuild', strings(c.OnBuild)],
    ['Shell', strings(c.Shell)],
  ])
}

function historyJson(h: HistoryEntry): string {
  return object([
    ['created', str(h.created)],
    ['created_by', str(h.created_by)],
    ['author', str(h.author)],
    ['comment', str(h.comment)],
    ['empty_layer', h.empty_layer === true ? 'true' : undefined],
  ])
}

/** The config blob as BuildKit exports it (no trailing newline). */
export function imageConfigJson(image: OciImageConfig): string {
  const top: Record<string, string | undefined> = {
    architecture: goJsonString(image.architecture),
    author: str(image.author),
    config: containerConfigJson(image.config),
    created: image.created === undefined ? 'null' : goJsonString(image.created),
    history: image.history.length === 0 ? 'null' : `[${image.history.map(historyJson).join(',')}]`,
    os: goJsonString(image.os),
    'os.features': strings(image['os.features']),
    'os.version': str(image['os.version']),
    rootfs: object([
      ['type', goJsonString(image.rootfs.type)],
      ['diff_ids', strings(image.rootfs.diff_ids, 'null')],
    ]),
    variant: str(image.variant),
  }
  return object(Object.keys(top).sort(goKeyOrder).map((k) => [k, top[k]] as const))
}
