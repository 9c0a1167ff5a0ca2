// Config values BuildKit validates when it dispatches EXPOSE and STOPSIGNAL
// (dockerfile2llb/convert_expose.go parsePortSpecs; moby/sys/signal ParseSignal).

import { goToUpper } from '../go-strings'
import { DetailError } from './errors'
import { atoi, parseUint } from './go-parse'

function portRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports')
  if (!ports.includes('-')) {
    const port = parseUint(ports, 10, 16)
    return [port, port]
  }
  const parts = ports.split('-')
  if (parts.length !== 2) throw new Error(`invalid port range format: ${ports}`)
  const start = parseUint(parts[0] ?? '', 10, 16)
  const end = parseUint(parts[1] ?? '', 10, 16)
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`)
  return [start, end]
}

/** Go's net.ParseIP, loosely: dotted quads and anything IPv6-shaped. */
function isIP(ip: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return ip.split('.').every((n) => Number(n) <= 255)
  return ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip)
}

/** parsePortSpec: `[ip:][hostport:]port[-end][/tcp|udp|sctp]` → `port/proto` keys, one per port. */
function portSpec(raw: string): string[] {
  const parts = raw.split(':')
  const n = parts.length
  const containerPart = parts[n - 1] ?? ''
  const hostPort = n >= 2 ? (parts[n - 2] ?? '') : ''
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : ''
  const slash = containerPart.indexOf('/')
  const port = slash < 0 ? containerPart : containerPart.slice(0, slash)
  const written = slash < 0 ? '' : containerPart.slice(slash + 1)
  // No port means no protocol either, which then fails as an invalid one (BuildKit's order).
  const proto = (port === '' ? '' : written === '' ? 'tcp' : written).toLowerCase()
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new DetailError(`invalid proto: ${proto}`)
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new DetailError(`invalid IP address ${ip}: missing ']' in address`)
    ip = ip.slice(1, -1)
  }
  if (ip !== '' && !isIP(ip)) throw new DetailError(`invalid IP address: ${ip}`)
  if (port === '') throw new DetailError(`no port specified: ${raw}<empty>`)
  let start: number
  let end: number
  try {
    ;[start, end] = portRange(port)
  } catch {
    throw new DetailError(`invalid containerPort: ${port}`)
  }
  if (hostPort !== '') {
    let hostStart: number
    let hostEnd: number
    try {
      ;[hostStart, hostEnd] = portRange(hostPort)
    } catch {
      throw new DetailError(`invalid hostPort: ${hostPort}`)
    }
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new DetailError(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`)
    }
  }
  const keys: string[] = []
  for (let p = start; p <= end; p++) keys.push(`${p}/${proto}`)
  return keys
}

/** Every exposed port key of the (expanded) EXPOSE words, in order. */
export function parsePortSpecs(ports: readonly string[]): string[] {
  return ports.flatMap(portSpec)
}

/** Linux signal names moby/sys/signal knows, without the SIG prefix. */
const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1',
  'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
])

/** ParseSignal: a nonzero number, or a name with or without `SIG`, in any case. */
export function checkSignal(raw: string): void {
  const number = /^[+-]?\d+$/.test(raw) ? atoi(raw) : null
  if (number !== null) {
    if (number === 0) throw new DetailError(`invalid signal: ${raw}`)
    return
  }
  const upper = goToUpper(raw)
  const name = upper.startsWith('SIG') ? upper.slice(3) : upper
  if (!SIGNALS.has(name)) throw new DetailError(`invalid signal: ${raw}`)
}
