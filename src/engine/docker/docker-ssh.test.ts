import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerConnection } from './connection'
import { dockerClient } from './daemon-status'
import { discoverDaemon, probeDockerApi } from './discovery'
import { startSshDockerHost, type SshDockerHost } from './ssh-docker-host.test-support'

let dir: string
let apiServer: http.Server
let remote: SshDockerHost

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-docker-ssh-'))
  const dockerSock = path.join(dir, 'docker.sock')
  apiServer = http.createServer((req, res) => {
    if (req.url === '/_ping') res.writeHead(200).end('OK')
    else if (req.url?.endsWith('/version')) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: '26.1.0-remote', ApiVersion: '1.45', Os: 'linux', Arch: 'arm64' }))
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => apiServer.listen(dockerSock, resolve))
  remote = await startSshDockerHost(dir, dockerSock)
}, 30_000)

afterAll(async () => {
  await remote?.close()
  await new Promise((resolve) => apiServer?.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

const onlySsh = async (connection: DockerConnection, timeoutMs: number, env: NodeJS.ProcessEnv) =>
  connection.kind === 'ssh' ? probeDockerApi(connection, timeoutMs, env) : { ok: false as const, reason: `not probed: ${connection.display}` }

describe('ssh:// daemons', () => {
  it('reaches the daemon through `docker system dial-stdio` with the default key: status and client', async () => {
    const env = { HOME: remote.home, DOCKER_HOST: `ssh://me@127.0.0.1:${remote.port}` }
    const { status, connection } = await discoverDaemon(env, { probe: onlySsh, timeoutMs: 5000 })
    expect(status).toMatchObject({ available: true, host: `ssh://me@127.0.0.1:${remote.port}`, version: '26.1.0-remote', arch: 'arm64' })
    expect(connection).toEqual({ kind: 'ssh', host: '127.0.0.1', port: remote.port, username: 'me', display: `ssh://me@127.0.0.1:${remote.port}` })
    // A timeout is asked for: docker-modem must not be given one it would set on the ssh channel.
    const version = await (await dockerClient(connection!, 5000, env)).version()
    expect(version.Version).toBe('26.1.0-remote')
    expect(remote.commands).toContain('docker system dial-stdio')
  })

  it('says why when the remote does not take the key', async () => {
    const { status } = await discoverDaemon({ HOME: remote.home, DOCKER_HOST: `ssh://someone-else@127.0.0.1:${remote.port}` }, { probe: onlySsh, timeoutMs: 5000 })
    expect(status.available).toBe(false)
    expect(status.tried?.[0]?.reason).toMatch(/^ssh:\/\/someone-else@127\.0\.0\.1:\d+ refused the ssh login: the ssh-agent's keys and ~\/\.ssh\/id_\* were not accepted/)
  })
})
