import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientOptions } from './client-options'
import { parseDockerHost, type DockerConnection } from './connection'
import { dockerClient } from './daemon-status'
import { contextMetaPath, contextTlsDir, daemonCandidates, discoverDaemon, probeDockerApi } from './discovery'

const run = promisify(execFile)
let dir: string
let certs: string
let server: https.Server
let port: number
const seen: { path: string; client: boolean }[] = []

const openssl = (args: string[], cwd: string) => run('openssl', args, { cwd })

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as docker's TLS guide makes them. */
async function makeCerts(out: string): Promise<void> {
  await mkdir(out, { recursive: true })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca'], out)
  await writeFile(path.join(out, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  await writeFile(path.join(out, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  await openssl(['req', '-new', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], out)
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'server.ext'], out)
  await openssl(['req', '-new', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client'], out)
  await openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'client.ext'], out)
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-docker-tls-'))
  certs = path.join(dir, 'certs')
  await makeCerts(certs)
  const read = (name: string) => readFile(path.join(certs, name))
  // A daemon started with --tlsverify: only clients with a certificate from its CA get in.
  server = https.createServer({ key: await read('server-key.pem'), cert: await read('server-cert.pem'), ca: await read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    seen.push({ path: req.url ?? '', client: (req.socket as TLSSocket).authorized })
    if (req.url === '/_ping') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK')
    else if (req.url?.endsWith('/version')) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: '27.0.0-tls', ApiVersion: '1.46', Os: 'linux', Arch: 'amd64' }))
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
}, 30_000)
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

/** Only the tcp daemon under test is probed: the machine's own sockets must not matter. */
const onlyTcp = async (connection: DockerConnection, timeoutMs: number, env: NodeJS.ProcessEnv) =>
  connection.kind === 'tcp' ? probeDockerApi(connection, timeoutMs, env) : { ok: false as const, reason: `not probed: ${connection.display}` }

describe('TLS for tcp:// daemons', () => {
  it('reads DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: the status and dockerode both get in with the client certificate', async () => {
    const env = { HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }
    const { status, connection } = await discoverDaemon(env, { probe: onlyTcp })
    expect(status).toMatchObject({ available: true, version: '27.0.0-tls', host: `tcp://127.0.0.1:${port}` })
    expect(connection).toMatchObject({ kind: 'tcp', protocol: 'https', tls: { ca: path.join(certs, 'ca.pem'), cert: path.join(certs, 'cert.pem'), key: path.join(certs, 'key.pem'), verify: true } })

    const options = await clientOptions(connection!)
    expect(options.ca?.equals(await readFile(path.join(certs, 'ca.pem')))).toBe(true)
    expect(options.cert?.equals(await readFile(path.join(certs, 'cert.pem')))).toBe(true)
    expect(options.key?.equals(await readFile(path.join(certs, 'key.pem')))).toBe(true)
    seen.length = 0
    const version = await (await dockerClient(connection!, 5000, env)).version()
    expect(version.Version).toBe('27.0.0-tls')
    expect(seen.at(-1)).toMatchObject({ client: true })
  })

  it('says why when the client certificate is missing or the CA is not the daemon’s', async () => {
    const caOnly = path.join(dir, 'ca-only')
    await mkdir(caOnly, { recursive: true })
    await writeFile(path.join(caOnly, 'ca.pem'), await readFile(path.join(certs, 'ca.pem')))
    const noClient = await discoverDaemon({ HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly }, { probe: onlyTcp })
    expect(noClient.status.available).toBe(false)
    expect(noClient.status.tried?.[0]?.reason).toMatch(/^TLS: tcp:\/\/127\.0\.0\.1:\d+ wants a client certificate and none was given \(DOCKER_CERT_PATH\/cert\.pem and key\.pem/)

    const wrongCa = path.join(dir, 'wrong-ca')
    await makeCerts(wrongCa)
    const untrusted = await discoverDaemon({ HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: wrongCa }, { probe: onlyTcp })
    expect(untrusted.status.tried?.[0]?.reason).toMatch(/^TLS: the certificate of tcp:\/\/127\.0\.0\.1:\d+ was not accepted/)

    const missing = await discoverDaemon({ HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(dir, 'nowhere') }, { probe: onlyTcp })
    // No CA file: the system's CAs, which do not know the daemon's (as with the docker CLI).
    expect(missing.status.tried?.[0]?.reason).toMatch(/^TLS: the certificate of .* was not accepted .*DOCKER_CERT_PATH\/ca\.pem/)
  }, 30_000)

  it("uses a context's TLS files (contexts/tls/<sha256 of name>/docker)", async () => {
    const home = path.join(dir, 'home-ctx')
    const config = path.join(home, '.docker')
    await mkdir(config, { recursive: true })
    await writeFile(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'secure' }))
    const meta = contextMetaPath(config, 'secure')
    await mkdir(path.dirname(meta), { recursive: true })
    await writeFile(meta, JSON.stringify({ Name: 'secure', Endpoints: { docker: { Host: `tcp://127.0.0.1:${port}`, SkipTLSVerify: false } } }))
    const tls = contextTlsDir(config, 'secure')
    await mkdir(tls, { recursive: true })
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(path.join(tls, name), await readFile(path.join(certs, name)))

    const [candidate] = (await daemonCandidates({ HOME: home }, { platform: 'linux' })).filter((c) => c.source === 'context')
    expect(candidate?.connection).toMatchObject({ protocol: 'https', tls: { ca: path.join(tls, 'ca.pem'), cert: path.join(tls, 'cert.pem'), key: path.join(tls, 'key.pem'), verify: true } })
    const { status } = await discoverDaemon({ HOME: home }, { probe: onlyTcp })
    expect(status).toMatchObject({ available: true, version: '27.0.0-tls' })
  })

  it('a context that skips verification does not check the daemon’s certificate', async () => {
    const home = path.join(dir, 'home-skip')
    const config = path.join(home, '.docker')
    await mkdir(config, { recursive: true })
    await writeFile(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'lax' }))
    const meta = contextMetaPath(config, 'lax')
    await mkdir(path.dirname(meta), { recursive: true })
    await writeFile(meta, JSON.stringify({ Name: 'lax', Endpoints: { docker: { Host: `tcp://127.0.0.1:${port}`, SkipTLSVerify: true } } }))
    const tls = contextTlsDir(config, 'lax')
    await mkdir(tls, { recursive: true })
    // A client pair from another CA's world would fail verification; only the client side is given.
    for (const name of ['cert.pem', 'key.pem']) await writeFile(path.join(tls, name), await readFile(path.join(certs, name)))
    const { status, connection } = await discoverDaemon({ HOME: home }, { probe: onlyTcp })
    expect(connection).toMatchObject({ tls: { verify: false } })
    expect(status).toMatchObject({ available: true })
    expect((await clientOptions(connection!)).rejectUnauthorized).toBe(false)
  })
})

describe('ssh:// daemons', () => {
  it('parses user, host and port', () => {
    expect(parseDockerHost('ssh://me@box.example:2222')).toEqual({ kind: 'ssh', host: 'box.example', port: 2222, username: 'me', display: 'ssh://me@box.example:2222' })
    expect(parseDockerHost('ssh://box')).toMatchObject({ kind: 'ssh', host: 'box', port: 22 })
  })

  it('hands dockerode the ssh-agent, else an unencrypted default key, else says what is missing', async () => {
    const connection = parseDockerHost('ssh://me@box')
    expect(await clientOptions(connection, { env: { SSH_AUTH_SOCK: '/run/agent.sock', HOME: dir } })).toMatchObject({
      protocol: 'ssh',
      host: 'box',
      port: 22,
      username: 'me',
      sshOptions: { agent: '/run/agent.sock' },
    })
    const home = path.join(dir, 'home-ssh')
    await mkdir(path.join(home, '.ssh'), { recursive: true })
    await expect(clientOptions(connection, { env: { HOME: home } })).rejects.toThrow(/no ssh-agent \(SSH_AUTH_SOCK is unset\) and no unencrypted key in ~\/\.ssh/)
    await writeFile(path.join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n')
    const withKey = await clientOptions(connection, { env: { HOME: home } })
    expect(withKey.sshOptions?.privateKey?.toString()).toContain('key')
  })

  it('the status says why an ssh host does not answer', async () => {
    const { status } = await discoverDaemon({ HOME: dir, DOCKER_HOST: 'ssh://me@127.0.0.1:1', SSH_AUTH_SOCK: path.join(dir, 'agent.sock') }, { probe: (c, t, e) => (c.kind === 'ssh' ? probeDockerApi(c, t, e) : Promise.resolve({ ok: false, reason: 'not probed' })) })
    expect(status.available).toBe(false)
    expect(status.tried?.[0]).toMatchObject({ host: 'ssh://me@127.0.0.1:1', reason: expect.stringMatching(/connection refused at ssh:\/\/me@127\.0\.0\.1:1/) })
  })
})
