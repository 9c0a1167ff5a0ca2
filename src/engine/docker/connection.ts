/**
 * Where the Docker daemon is, from the environment as the docker CLI reads it. Only DOCKER_HOST
 * and the default socket for now; contexts and the other well-known sockets come with the
 * daemon backend.
 */
export type DockerConnection =
  | { kind: 'socket'; socketPath: string; display: string }
  | { kind: 'tcp'; host: string; port: number; protocol: 'http' | 'https'; display: string }

export const defaultSocketPath = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock'

export class DockerHostError extends Error {}

export function dockerConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): DockerConnection {
  const value = env.DOCKER_HOST?.trim()
  if (!value) return { kind: 'socket', socketPath: defaultSocketPath, display: `unix://${defaultSocketPath}` }
  return parseDockerHost(value, env.DOCKER_TLS_VERIFY)
}

export function parseDockerHost(value: string, tlsVerify?: string): DockerConnection {
  const match = /^([a-z]+):\/\/(.*)$/.exec(value)
  if (!match) throw new DockerHostError(`DOCKER_HOST "${value}" has no scheme (expected unix://, npipe:// or tcp://)`)
  const [, scheme, rest = ''] = match
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
      const tls = scheme === 'https' || (tlsVerify !== undefined && tlsVerify !== '' && tlsVerify !== '0')
      const port = hostPort[2] ? Number(hostPort[2]) : tls ? 2376 : 2375
      if (port < 1 || port > 65535) throw new DockerHostError(`DOCKER_HOST "${value}" has an invalid port`)
      const host = (hostPort[1] ?? '').replace(/^\[|\]$/g, '')
      return { kind: 'tcp', host, port, protocol: tls ? 'https' : 'http', display: value }
    }
    default:
      throw new DockerHostError(`DOCKER_HOST "${value}" has an unsupported scheme "${scheme}"`)
  }
}
