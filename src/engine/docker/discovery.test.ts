import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DockerStatus } from '../../shared/engine-info'
import type { DockerConnection } from './connection'
import { contextMetaPath, daemonCandidates, describeProbeError, discoverDaemon, probeDockerApi, type DiscoveredStatus } from './discovery'

let dir: string
let home: string
const servers: net.Server[] = []

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-discovery-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(async () => {
  for (const socket of connections.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

let n = 0
async function freshHome(): Promise<string> {
  home = path.join(dir, `home${n++}`)
  await mkdir(home, { recursive: true })
  return home
}

const connections: net.Socket[] = []

function listen(server: net.Server, socketPath: string): Promise<string> {
  servers.push(server)
  server.on('connection', (socket: net.Socket) => connections.push(socket))
  return new Promise((resolve) => server.listen(socketPath, () => resolve(socketPath)))
}

/** A fake Docker daemon: answers /_ping and /version like dockerd does. */
async function fakeDocker(socketPath: string, version = '99.0.0'): Promise<string> {
  await mkdir(path.dirname(socketPath), { recursive: true })
  const server = http.createServer((req, res) => {
    if (req.url === '/_ping') {
      res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' }).end('OK')
    } else if (req.url === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: version, ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }))
    } else res.writeHead(404).end()
  })
  return listen(server, socketPath)
}

/** Only probe places inside the temp dir: the machine's own /var/run/docker.sock must not matter. */
const sandboxed = async (connection: DockerConnection, timeoutMs: number) =>
  connection.kind === 'socket' && !connection.socketPath.startsWith(dir)
    ? { ok: false as const, reason: `no socket at ${connection.display}` }
    : probeDockerApi(connection, timeoutMs)

async function writeContext(configDir: string, name: string, host: string): Promise<void> {
  const meta = contextMetaPath(configDir, name)
  expect(meta).toBe(path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json'))
  await mkdir(path.dirname(meta), { recursive: true })
  await writeFile(meta, JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }))
}

describe('daemonCandidates', () => {
  const described = (list: { source: string; host: string }[]) => list.map((c) => `${c.source} ${c.host}`)

  it('looks only at DOCKER_HOST when it is set, as the docker CLI does (it beats DOCKER_CONTEXT and config.json)', async () => {
    const h = await freshHome()
    await mkdir(path.join(h, '.docker'), { recursive: true })
    await writeFile(path.join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote' }))
    await writeContext(path.join(h, '.docker'), 'remote', 'tcp://10.0.0.5:2375')
    const env = { HOME: h, DOCKER_HOST: 'unix:///custom.sock', DOCKER_CONTEXT: 'remote', XDG_RUNTIME_DIR: '/run/user/1000' }
    expect(described(await daemonCandidates(env, { platform: 'linux' }))).toEqual(['DOCKER_HOST unix:///custom.sock'])
    expect(described(await daemonCandidates(env, { platform: 'win32' }))).toEqual(['DOCKER_HOST unix:///custom.sock'])
    // An unusable DOCKER_HOST is still the only one: docker would fail too, not use another daemon.
    expect(await daemonCandidates({ ...env, DOCKER_HOST: 'fd://3' }, { platform: 'linux' })).toEqual([
      { host: 'fd://3', source: 'DOCKER_HOST', problem: expect.stringMatching(/unsupported scheme "fd"/) },
    ])
    // Blank means unset.
    expect(described(await daemonCandidates({ ...env, DOCKER_HOST: '  ' }, { platform: 'linux' }))).toEqual(['context tcp://10.0.0.5:2375'])
  })

  it('looks only at the current context when one names a host: DOCKER_CONTEXT over config.json, DOCKER_CONFIG over ~/.docker', async () => {
    const h = await freshHome()
    const configDir = path.join(dir, `cfg${n++}`)
    await mkdir(configDir, { recursive: true })
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'a' }))
    await writeContext(configDir, 'a', 'unix:///a.sock')
    await writeContext(configDir, 'b', 'unix:///b.sock')
    const list = async (env: NodeJS.ProcessEnv) => described(await daemonCandidates({ HOME: h, XDG_RUNTIME_DIR: '/run/user/1000', ...env }, { platform: 'linux' }))
    expect(await list({ DOCKER_CONFIG: configDir })).toEqual(['context unix:///a.sock'])
    expect(await list({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'b' })).toEqual(['context unix:///b.sock'])
  })

  it('with nothing named (or the "default" context) tries the default socket, then rootless, Docker Desktop, Podman and colima', async () => {
    const h = await freshHome()
    const configDir = path.join(dir, `cfg${n++}`)
    await mkdir(configDir, { recursive: true })
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'a' }))
    await writeContext(configDir, 'a', 'unix:///a.sock')
    const everywhere = [
      'default unix:///var/run/docker.sock',
      'rootless unix:///run/user/1000/docker.sock',
      `docker-desktop unix://${h}/.docker/run/docker.sock`,
      `docker-desktop unix://${h}/.docker/desktop/docker.sock`,
      'podman unix:///run/user/1000/podman/podman.sock',
      'podman unix:///run/podman/podman.sock',
      `colima unix://${h}/.colima/default/docker.sock`,
    ]
    const list = async (env: NodeJS.ProcessEnv) => described(await daemonCandidates({ HOME: h, XDG_RUNTIME_DIR: '/run/user/1000', ...env }, { platform: 'linux' }))
    expect(await list({})).toEqual(everywhere) // ~/.docker has no config.json
    expect(await list({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'default' })).toEqual(everywhere)
  })

  it('a DOCKER_CONTEXT that does not exist is the only candidate; a stale config.json context is reported, then the usual places tried', async () => {
    const h = await freshHome()
    const configDir = path.join(dir, `cfg${n++}`)
    await mkdir(configDir, { recursive: true })
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'uninstalled' }))
    const named = await daemonCandidates({ HOME: h, DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'gone' }, { platform: 'linux' })
    expect(named).toEqual([{ host: 'context "gone"', source: 'context', problem: expect.stringMatching(/has no .*meta\.json/) }])
    const stale = await daemonCandidates({ HOME: h, DOCKER_CONFIG: configDir }, { platform: 'linux' })
    expect(stale[0]).toEqual({ host: 'context "uninstalled"', source: 'context', problem: expect.stringMatching(/has no .*meta\.json/) })
    expect(described(stale.slice(1))[0]).toBe('default unix:///var/run/docker.sock')
  })
})

describe('discoverDaemon', () => {
  it('finds the daemon behind the current context', async () => {
    const h = await freshHome()
    const sock = await fakeDocker(path.join(h, 'ctx', 'docker.sock'))
    await mkdir(path.join(h, '.docker'), { recursive: true })
    await writeFile(path.join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'mine' }))
    await writeContext(path.join(h, '.docker'), 'mine', `unix://${sock}`)
    const { status, connection, source } = await discoverDaemon({ HOME: h }, { probe: sandboxed })
    expect(source).toBe('context')
    expect(connection).toEqual({ kind: 'socket', socketPath: sock, display: `unix://${sock}` })
    expect(status).toEqual({ available: true, host: `unix://${sock}`, version: '99.0.0', apiVersion: '1.41', os: 'linux', arch: 'amd64' })
    const plain: DockerStatus = status // stays a DockerStatus
    expect(plain.available).toBe(true)
  })

  it('does not fall back to a daemon that answers elsewhere when DOCKER_HOST (or the context) names one that does not', async () => {
    const h = await freshHome()
    const runtime = path.join(h, 'xdg')
    // A daemon where the fallbacks look (the rootless socket) and one behind the current context.
    await fakeDocker(path.join(runtime, 'docker.sock'), 'rootless')
    const sock = await fakeDocker(path.join(h, 'ctx', 'docker.sock'), 'context')
    await mkdir(path.join(h, '.docker'), { recursive: true })
    await writeFile(path.join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'mine' }))
    await writeContext(path.join(h, '.docker'), 'mine', `unix://${sock}`)
    const nothing = `unix://${h}/nothing.sock`
    const viaHost = await discoverDaemon({ HOME: h, XDG_RUNTIME_DIR: runtime, DOCKER_HOST: nothing }, { probe: sandboxed })
    expect(viaHost.connection).toBeUndefined()
    expect(viaHost.status).toEqual({
      available: false,
      host: nothing,
      reason: `no socket at ${nothing} (DOCKER_HOST is set, so, as with the docker CLI, nowhere else is tried)`,
      tried: [{ host: nothing, reason: `no socket at ${nothing}` }],
    })

    await writeContext(path.join(h, '.docker'), 'mine', nothing)
    const viaContext = await discoverDaemon({ HOME: h, XDG_RUNTIME_DIR: runtime }, { probe: sandboxed })
    expect(viaContext.status).toMatchObject({ available: false, host: nothing, reason: expect.stringMatching(/^no socket at .*the current docker context names it/), tried: [{ host: nothing }] })

    // With nothing named, the rootless daemon is found after the default socket.
    await writeFile(path.join(h, '.docker', 'config.json'), '{}')
    const found = await discoverDaemon({ HOME: h, XDG_RUNTIME_DIR: runtime }, { probe: sandboxed })
    expect(found).toMatchObject({ source: 'rootless', status: { available: true, version: 'rootless', tried: [{ host: 'unix:///var/run/docker.sock' }] } })
  })

  it('says why an ssh:// DOCKER_HOST cannot be used, without trying any other place', async () => {
    const { status } = await discoverDaemon({ DOCKER_HOST: 'ssh://me@box', HOME: '/nonexistent' }, { platform: 'linux' })
    expect(status).toMatchObject({ available: false, host: 'ssh://me@box', reason: expect.stringMatching(/no ssh-agent \(SSH_AUTH_SOCK is unset\).*DOCKER_HOST is set/), tried: [{ host: 'ssh://me@box' }] })
  })

  it('finds rootless, Docker Desktop, Podman and colima sockets in turn', async () => {
    const h = await freshHome()
    const runtime = path.join(h, 'xdg')
    const places = [
      ['rootless', path.join(runtime, 'docker.sock')],
      ['docker-desktop', path.join(h, '.docker', 'run', 'docker.sock')],
      ['docker-desktop', path.join(h, '.docker', 'desktop', 'docker.sock')],
      ['podman', path.join(runtime, 'podman', 'podman.sock')],
      ['colima', path.join(h, '.colima', 'default', 'docker.sock')],
    ] as const
    for (const [source, place] of places.toReversed()) {
      await fakeDocker(place, source)
      const found = await discoverDaemon({ HOME: h, XDG_RUNTIME_DIR: runtime }, { probe: sandboxed })
      expect(found.source).toBe(source)
      expect(found.status).toMatchObject({ available: true, host: `unix://${place}`, version: source })
    }
  })

  it('says for each place why it did not answer: no socket, refused, timeout, not a Docker API', async () => {
    const h = await freshHome()
    const runtime = path.join(h, 'xdg')
    await mkdir(path.join(runtime, 'podman'), { recursive: true })
    // refused: a socket file nobody listens on (a plain file answers the same way)
    await writeFile(path.join(runtime, 'docker.sock'), '')
    // timeout: accepts, never answers
    await listen(net.createServer(() => {}), path.join(runtime, 'podman', 'podman.sock'))
    // not a Docker API: some other HTTP server
    await mkdir(path.join(h, '.docker', 'run'), { recursive: true })
    await listen(http.createServer((_req, res) => res.writeHead(404).end('page not found')), path.join(h, '.docker', 'run', 'docker.sock'))
    await mkdir(path.join(h, '.colima', 'default'), { recursive: true })
    await listen(net.createServer((s) => s.end('SSH-2.0-OpenSSH\r\n')), path.join(h, '.colima', 'default', 'docker.sock'))

    const { status, connection } = await discoverDaemon({ HOME: h, XDG_RUNTIME_DIR: runtime }, { probe: sandboxed, timeoutMs: 300 })
    expect(connection).toBeUndefined()
    const s = status as DiscoveredStatus & { available: false }
    expect(s.available).toBe(false)
    expect(s.reason).toBe('no Docker daemon answered (tried 7 places)')
    const reasons = Object.fromEntries((s.tried ?? []).map((t) => [t.host, t.reason]))
    expect(reasons['unix:///var/run/docker.sock']).toMatch(/^no socket/)
    expect(reasons[`unix://${runtime}/docker.sock`]).toMatch(/^connection refused/)
    expect(reasons[`unix://${runtime}/podman/podman.sock`]).toMatch(/^timeout/)
    expect(reasons[`unix://${h}/.docker/run/docker.sock`]).toMatch(/^not a Docker API.*\/_ping answered 404/)
    expect(reasons[`unix://${h}/.docker/desktop/docker.sock`]).toMatch(/^no socket/)
    expect(reasons[`unix://${h}/.colima/default/docker.sock`]).toMatch(/^not a Docker API/)
  })

  it('phrases permission problems for the person who has to fix them', () => {
    expect(describeProbeError(Object.assign(new Error('x'), { code: 'EACCES' }), 'unix:///var/run/docker.sock')).toMatch(/^permission denied on unix:\/\/\/var\/run\/docker.sock: add your user to the docker group/)
  })

  it('counts the places tried when more than one did not answer', async () => {
    const { status } = await discoverDaemon({ HOME: await freshHome() }, { platform: 'linux', probe: async (c) => ({ ok: false, reason: `no socket at ${c.display}` }) })
    expect(status).toMatchObject({ available: false, host: 'unix:///var/run/docker.sock', reason: 'no Docker daemon answered (tried 5 places)' })
  })
})
