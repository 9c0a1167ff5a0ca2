/**
 * Where a registry domain (as image references name it) is reached, and whether plain http is
 * allowed there. Like dockerd: https everywhere except loopback hosts and registries the user
 * marked insecure; unlike dockerd, no https attempt is made first on those (they are almost
 * always plain-http development registries, and a failed TLS handshake only adds latency).
 */
import { isIP } from 'node:net'

export interface RegistryEndpoint {
  /** The domain as references write it: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string
  /** Scheme, host and port of the API: `https://registry-1.docker.io`. */
  origin: string
  /** True when plain http is used. */
  insecure: boolean
}

export interface EndpointOptions {
  /** Hosts (`host`, `host:port`) or IPv4 CIDR ranges served over plain http; added to $LAYERLAB_INSECURE_REGISTRIES. */
  insecureRegistries?: readonly string[]
  env?: NodeJS.ProcessEnv
}

/** Docker Hub's references say `docker.io`; its API lives on another host. */
const DOCKER_HUB_API = 'registry-1.docker.io'

export function registryEndpoint(domain: string, options: EndpointOptions = {}): RegistryEndpoint {
  const apiHost = domain === 'docker.io' || domain === 'index.docker.io' ? DOCKER_HUB_API : domain
  const insecure = apiHost !== DOCKER_HUB_API && (isLoopback(domain) || listedInsecure(domain, insecureList(options)))
  return { domain, origin: `${insecure ? 'http' : 'https'}://${apiHost}`, insecure }
}

/** The host without its port: `[::1]:5000` → `[::1]`, `localhost:5000` → `localhost`. */
export function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(0, domain.indexOf(']') + 1)
  const colon = domain.lastIndexOf(':')
  return colon === -1 ? domain : domain.slice(0, colon)
}

/** `localhost`, `127.0.0.0/8` and `[::1]`: traffic that never leaves the machine. */
export function isLoopback(domain: string): boolean {
  const host = hostOf(domain).toLowerCase()
  if (host === 'localhost' || host === '[::1]') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

function insecureList(options: EndpointOptions): string[] {
  const fromEnv = (options.env ?? process.env).LAYERLAB_INSECURE_REGISTRIES ?? ''
  return [...(options.insecureRegistries ?? []), ...fromEnv.split(/[,\s]+/)]
    .map((entry) => entry.trim().replace(/^https?:\/\//, '').replace(/\/+$/, ''))
    .filter((entry) => entry !== '')
}

function listedInsecure(domain: string, entries: string[]): boolean {
  const host = hostOf(domain)
  return entries.some((entry) => {
    if (entry.includes('/')) return inCidr(host, entry)
    // An entry without a port covers every port of that host, as it does for dockerd.
    return entry === domain || entry === host
  })
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/')
  const bits = Number(bitsText)
  if (base === undefined || isIP(base) !== 4 || isIP(host) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return ((ipv4(host) & mask) >>> 0) === ((ipv4(base) & mask) >>> 0)
}

function ipv4(address: string): number {
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0)
}
