import type Docker from 'dockerode'
import type { DockerStatus } from '../../shared/engine-info'
import { dockerConnectionFromEnv, type DockerConnection } from './connection'

/**
 * dockerode (with ssh2 beneath it) costs ~200 ms to load, so it is loaded on first use: a CLI
 * command that never talks to the daemon should not pay for it.
 */
export async function dockerClient(connection: DockerConnection, timeoutMs?: number): Promise<Docker> {
  const { default: Docker } = await import('dockerode')
  const common = timeoutMs === undefined ? {} : { timeout: timeoutMs }
  if (connection.kind === 'socket') return new Docker({ socketPath: connection.socketPath, ...common })
  return new Docker({ host: connection.host, port: connection.port, protocol: connection.protocol, ...common })
}

/**
 * Asks the daemon for its version. Never throws: a daemon that does not answer is a status
 * with the reason, phrased for the person who has to fix it.
 */
export async function probeDockerDaemon(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3000,
): Promise<DockerStatus> {
  let connection: DockerConnection
  try {
    connection = dockerConnectionFromEnv(env)
  } catch (error) {
    return { available: false, host: env.DOCKER_HOST ?? '', reason: (error as Error).message }
  }
  try {
    const version = await (await dockerClient(connection, timeoutMs)).version()
    return {
      available: true,
      host: connection.display,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
    }
  } catch (error) {
    return { available: false, host: connection.display, reason: describeDockerError(error, connection) }
  }
}

function describeDockerError(error: unknown, connection: DockerConnection): string {
  const code = (error as NodeJS.ErrnoException).code
  const where = connection.display
  switch (code) {
    case 'ENOENT':
      return `no Docker socket at ${where}: is the daemon running?`
    case 'EACCES':
      return `permission denied on ${where}: add your user to the docker group or use rootless Docker`
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${where}: is the daemon running?`
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return `the daemon at ${where} did not answer in time`
    default:
      return `the daemon at ${where} did not answer: ${(error as Error).message ?? String(error)}`
  }
}
