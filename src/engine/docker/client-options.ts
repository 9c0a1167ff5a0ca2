import { readFile } from 'node:fs/promises'
import https from 'node:https'
import { homedir } from 'node:os'
import path from 'node:path'
import { DockerHostError, type DockerConnection, type TlsFiles } from './connection'

/** What dockerode (docker-modem) is given for a connection. */
export interface ClientOptions {
  socketPath?: string
  host?: string
  port?: number
  protocol?: 'http' | 'https' | 'ssh'
  username?: string
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  /** Only false when the connection says not to check the daemon's certificate. */
  rejectUnauthorized?: boolean
  /** https only: carries the TLS material, since docker-modem passes no rejectUnauthorized of its own. */
  agent?: https.Agent
  sshOptions?: { agent?: string; privateKey?: Buffer; readyTimeout?: number }
  timeout?: number
}

async function readPem(file: string | undefined): Promise<Buffer | undefined> {
  if (!file) return undefined
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DockerHostError(`the TLS file ${file} cannot be read: ${(error as Error).message}`)
  }
}

/**
 * The PEM files read. As the docker CLI does, a file that does not exist is left out: no CA
 * means the system's CAs, no client pair means no client certificate (the daemon then says if
 * it wants one).
 */
export async function readTlsFiles(tls: TlsFiles): Promise<Pick<ClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>> {
  const [ca, cert, key] = await Promise.all([readPem(tls.ca), readPem(tls.cert), readPem(tls.key)])
  return { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}), ...(tls.verify ? {} : { rejectUnauthorized: false }) }
}

const sshKeyNames = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/**
 * ssh2 (dockerode's ssh transport) does not run the ssh binary, so ~/.ssh/config is not read:
 * it authenticates with the ssh-agent, else the first unencrypted default key.
 */
async function sshAuth(env: NodeJS.ProcessEnv, display: string): Promise<NonNullable<ClientOptions['sshOptions']>> {
  const agent = env.SSH_AUTH_SOCK?.trim()
  if (agent) return { agent }
  const home = env.HOME || env.USERPROFILE || homedir()
  for (const name of sshKeyNames) {
    const key = await readFile(path.join(home, '.ssh', name)).catch(() => undefined)
    if (key && !key.toString('latin1').includes('ENCRYPTED')) return { privateKey: key }
  }
  throw new DockerHostError(
    `cannot log in to ${display}: no ssh-agent (SSH_AUTH_SOCK is unset) and no unencrypted key in ~/.ssh (${sshKeyNames.join(', ')}); Layerlab's ssh client does not read ~/.ssh/config`,
  )
}

/**
 * dockerode's options for a connection. Every field docker-modem would otherwise take from
 * process.env (DOCKER_HOST, DOCKER_CERT_PATH) is set here, so the connection discovery chose
 * is the one used.
 */
export async function clientOptions(connection: DockerConnection, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ClientOptions> {
  const timeout = options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }
  switch (connection.kind) {
    case 'socket':
      return { socketPath: connection.socketPath, ...timeout }
    case 'tcp': {
      const tls = connection.protocol === 'https' && connection.tls ? await readTlsFiles(connection.tls) : {}
      const agent = connection.protocol === 'https' ? { agent: new https.Agent(tls) } : {}
      return { host: connection.host, port: connection.port, protocol: connection.protocol, ...tls, ...agent, ...timeout }
    }
    case 'ssh': {
      const sshOptions = await sshAuth(options.env ?? process.env, connection.display)
      if (options.timeoutMs !== undefined) sshOptions.readyTimeout = options.timeoutMs
      // No request `timeout` here: Node would call setTimeout on the ssh channel docker-modem
      // hands it as the socket, which has none (a crash). The ssh handshake has its own.
      return {
        host: connection.host,
        port: connection.port,
        protocol: 'ssh',
        ...(connection.username ? { username: connection.username } : {}),
        sshOptions,
      }
    }
  }
}
