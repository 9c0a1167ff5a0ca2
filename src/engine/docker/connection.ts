import path from 'node:path'

/**
 * Where the Docker daemon is and how to reach it, as the docker CLI reads DOCKER_HOST,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (discovery adds contexts and the usual sockets).
 */
export type DockerConnection =
  | { kind: 'socket'; socketPath: string; display: string }
  | { kind: 'tcp'; host: string; port: number; protocol: 'http' | 'https'; display: string; tls?: TlsFiles }
  | { kind: 'ssh'; host: string; port: number; username?: string; display: string }

/** Client TLS material for a tcp:// daemon, as files (read when a client is made). */
export interface TlsFiles {
  /** The CA that signed the daemon's certificate; absent: the system's CAs. */
  ca?: string
  /** Client certificate and key, for daemons that check clients (`--tlsverify`). */
  cert?: string
  key?: string
  /** false: the daemon's certificate is not checked (DOCKER_TLS without _VERIFY, a context's SkipTLSVerify). */
  verify: boolean
}

export const defaultSocketPath = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock'

export class DockerHostError extends Error {}

const isSet = (value: string | undefined): boolean => value !== undefined && value !== '' && value !== '0'

/** The TLS files DOCKER_CERT_PATH (default `~/.docker`) names, when DOCKER_TLS_VERIFY or DOCKER_TLS asks for TLS. */
export function tlsFromEnv(env: NodeJS.ProcessEnv, configDir: string): TlsFiles | undefined {
  const verify = isSet(env.DOCKER_TLS_VERIFY?.trim())
  if (!verify && !isSet(env.DOCKER_TLS?.trim())) return undefined
  const dir = env.DOCKER_CERT_PATH?.trim() || configDir
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), verify }
}

export function dockerConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): DockerConnection {
  const value = env.DOCKER_HOST?.trim()
  if (!value) return { kind: 'socket', socketPath: defaultSocketPath, display: `unix://${defaultSocketPath}` }
  const home = env.HOME || env.USERPROFILE || ''
  const tls = tlsFromEnv(env, env.DOCKER_CONFIG?.trim() || path.join(home, '.docker'))
  return parseDockerHost(value, tls)
}

/**
 * A DOCKER_HOST value as a connection. `tls` (or a legacy DOCKER_TLS_VERIFY string) makes a
 * tcp:// host https with that material; https:// alone means TLS with the system's CAs.
 */
export function parseDockerHost(value: string, tls?: TlsFiles | string): DockerConnection {
  const match = /^([a-z]+):\/\/(.*)$/.exec(value)
  if (!match) throw new DockerHostError(`DOCKER_HOST "${value}" has no scheme (expected unix://, npipe://, tcp:// or ssh://)`)
  const [, scheme, rest = ''] = match
  const files = typeof tls === 'string' ? (isSet(tls) ? { verify: true } : undefined) : tls
  switch (scheme) {
    case 'unix':
    case 'npipe': {
      if (!rest) throw new DockerHostError(`DOCKER_HOST "${value}" names no socket`)
      return { kind: 'socket', socketPath: rest, display: value }
    }
    case 'tcp':
    case 'http':
    case 'https': {
      const hostPort = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest)
      if (!hostPort) throw new DockerHostError(`DOCKER_HOST "${value}" is not host:port`)
      const secure = scheme === 'https' || (scheme === 'tcp' && files !== undefined)
      const port = hostPort[2] ? Number(hostPort[2]) : secure ? 2376 : 2375
      if (port < 1 || port > 65535) throw new DockerHostError(`DOCKER_HOST "${value}" has an invalid port`)
      const host = (hostPort[1] ?? '').replace(/^\[|\]$/g, '')
      const out: DockerConnection = { kind: 'tcp', host, port, protocol: secure ? 'https' : 'http', display: value }
      if (secure && files && (files.ca || files.cert || files.key || !files.verify)) out.tls = files
      return out
    }
    case 'ssh': {
      const parts = /^(?:([^@/]+)@)?(\[[^\]]+\]|[^:/@]+)(?::(\d+))?\/?$/.exec(rest)
      if (!parts) throw new DockerHostError(`DOCKER_HOST "${value}" is not ssh://[user@]host[:port]`)
      const port = parts[3] ? Number(parts[3]) : 22
      if (port < 1 || port > 65535) throw new DockerHostError(`DOCKER_HOST "${value}" has an invalid port`)
      const host = (parts[2] ?? '').replace(/^\[|\]$/g, '')
      return { kind: 'ssh', host, port, ...(parts[1] ? { username: decodeURIComponent(parts[1]) } : {}), display: value }
    }
    default:
      throw new DockerHostError(`DOCKER_HOST "${value}" has an unsupported scheme "${scheme}"`)
  }
}
