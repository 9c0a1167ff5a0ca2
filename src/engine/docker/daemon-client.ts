import type Docker from 'dockerode'
import type { DockerStatus } from '../../shared/engine-info'
import type { DockerConnection } from './connection'
import { dockerClient } from './daemon-status'
import { discoverDaemon, type DiscoveryOptions } from './discovery'

/** No daemon answered; the message lists every place tried and why each did not answer. */
export class DaemonUnavailableError extends Error {
  constructor(readonly status: Extract<DockerStatus, { available: false }>) {
    super(describeUnavailable(status))
    this.name = 'DaemonUnavailableError'
  }
}

/** One sentence: the lone reason (which names its host), or each place tried with its reason. */
export function describeUnavailable(status: Extract<DockerStatus, { available: false }>): string {
  const tried = status.tried ?? []
  if (tried.length <= 1) return `no Docker daemon answers: ${status.reason}`
  // Most reasons name their host already ("no socket at unix:///…"): say it once.
  return `no Docker daemon answers (tried ${tried.map((t) => (t.reason.includes(t.host) ? t.reason : `${t.host}: ${t.reason}`)).join('; ')})`
}

export interface ConnectedDaemon {
  client: Docker
  connection: DockerConnection
  status: DockerStatus
}

/**
 * The daemon discovery finds (the one the status shows: DOCKER_HOST, the current context, the
 * usual sockets), as a client. Throws DaemonUnavailableError when none answers.
 */
export async function connectDaemon(env: NodeJS.ProcessEnv = process.env, options: DiscoveryOptions = {}): Promise<ConnectedDaemon> {
  const { status, connection } = await discoverDaemon(env, options)
  if (!connection || !status.available) {
    throw new DaemonUnavailableError(status.available ? { available: false, host: status.host, reason: 'no connection' } : status)
  }
  return { client: await dockerClient(connection, undefined, env), connection, status }
}

/**
 * The network RUN steps need: a daemon without the default `bridge` network (started with
 * `--bridge=none`, like the test daemon) fails BuildKit RUN steps unless they get 'none'.
 * undefined: the daemon's default.
 */
export async function defaultRunNetwork(client: Docker): Promise<string | undefined> {
  try {
    const networks = await client.listNetworks()
    return networks.some((n) => n.Name === 'bridge') ? undefined : 'none'
  } catch {
    return undefined
  }
}
