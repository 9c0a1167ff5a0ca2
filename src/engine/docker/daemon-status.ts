import type Docker from 'dockerode'
import { clientOptions } from './client-options'
import type { DockerConnection } from './connection'

/**
 * dockerode (with ssh2 beneath it) costs ~200 ms to load, so it is loaded on first use: a CLI
 * command that never talks to the daemon should not pay for it.
 */
export async function dockerClient(connection: DockerConnection, timeoutMs?: number, env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  const { default: Docker } = await import('dockerode')
  const options = await clientOptions(connection, { env, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
  // docker-modem fills what is not given from process.env (DOCKER_HOST, DOCKER_CERT_PATH): say "none" explicitly.
  const blank = { host: undefined, socketPath: undefined, ca: undefined, cert: undefined, key: undefined }
  return new Docker({ ...blank, ...options } as Docker.DockerOptions)
}
