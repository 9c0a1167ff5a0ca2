import { chmod, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseChallenges } from './auth'
import { dockerCredentials } from './docker-config'
import { FakeRegistry } from './fake-registry.test-support'
import { pullImage } from './pull'
import { basicAuth, dockerConfigDir, seedImage, tempDir, tempStore } from './registry-fixtures.test-support'

const running: FakeRegistry[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

describe('parseChallenges', () => {
  it("reads Docker Hub's bearer challenge", () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ])
  })

  it('reads several challenges, unquoted values, escapes and odd spacing', () => {
    expect(parseChallenges('Basic realm="a \\"b\\"", Bearer realm=https://x/t , service = reg,error="insufficient_scope"')).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', service: 'reg', error: 'insufficient_scope' } },
    ])
    expect(parseChallenges('')).toEqual([])
  })
})

/** A `docker-credential-<name>` script in a fresh directory; returns env with it on PATH. */
async function helper(name: string, script: string): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir('layerlab-cred-helper-')
  const file = path.join(dir, `docker-credential-${name}`)
  await writeFile(file, `#!/bin/sh\n${script}\n`)
  await chmod(file, 0o755)
  return { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` }
}

describe.skipIf(process.platform === 'win32')('dockerCredentials', () => {
  it('decodes auths entries, keyed by URL or host, and finds Hub under its v1 key', async () => {
    const configDir = await dockerConfigDir({
      auths: {
        'https://index.docker.io/v1/': { auth: basicAuth('hubuser', 'hubpass') },
        'http://127.0.0.1:5000/v2/': { auth: basicAuth('local', 'pa:ss') },
        'ghcr.io': { identitytoken: 'refresh-me' },
      },
    })
    expect(await dockerCredentials('docker.io', { configDir })).toEqual({ username: 'hubuser', password: 'hubpass' })
    expect(await dockerCredentials('127.0.0.1:5000', { configDir })).toEqual({ username: 'local', password: 'pa:ss' })
    expect(await dockerCredentials('ghcr.io', { configDir })).toEqual({ identityToken: 'refresh-me' })
    expect(await dockerCredentials('quay.io', { configDir })).toBeUndefined()
    expect(await dockerCredentials('quay.io', { configDir: await tempDir() })).toBeUndefined()
  })

  it('asks credHelpers first, then credsStore, feeding the server on stdin', async () => {
    const env = await helper('fake', `read server; if [ "$server" = "reg.example:5000" ]; then echo '{"ServerURL":"x","Username":"robot","Secret":"tok"}'; elif [ "$server" = "https://index.docker.io/v1/" ]; then echo '{"Username":"<token>","Secret":"idtoken"}'; else echo "credentials not found in native keychain"; exit 1; fi`)
    const configDir = await dockerConfigDir({ credsStore: 'fake', credHelpers: { 'other.example': 'absent' }, auths: { 'other.example': { auth: basicAuth('from', 'auths') } } })
    expect(await dockerCredentials('reg.example:5000', { configDir, env })).toEqual({ username: 'robot', password: 'tok' })
    expect(await dockerCredentials('docker.io', { configDir, env })).toEqual({ identityToken: 'idtoken' })
    expect(await dockerCredentials('nothing.example', { configDir, env })).toBeUndefined()
    // A helper that is not installed does not break pulls: the auths entry is used.
    expect(await dockerCredentials('other.example', { configDir, env })).toEqual({ username: 'from', password: 'auths' })
  })

  it('says which helper failed and why', async () => {
    const env = await helper('broken', 'echo "keychain locked" >&2; exit 3')
    const configDir = await dockerConfigDir({ credsStore: 'broken' })
    await expect(dockerCredentials('x.example', { configDir, env })).rejects.toMatchObject({
      code: 'credentials',
      message: 'docker-credential-broken get failed for x.example: keychain locked',
    })
  })

  it('refuses a helper name that could name another program', async () => {
    const configDir = await dockerConfigDir({ credsStore: '../../bin/sh' })
    await expect(dockerCredentials('x.example', { configDir })).rejects.toThrow(/invalid credential helper name/)
  })
})

describe.skipIf(process.platform === 'win32')('pulling with credentials', () => {
  it('sends helper credentials to the token realm, which grants a private repository', async () => {
    const fake = new FakeRegistry({ auth: 'bearer', user: { username: 'robot', password: 'tok' } })
    running.push(fake)
    await fake.start()
    seedImage(fake, 'private', '1')
    const env = await helper('fake', `echo '{"Username":"robot","Secret":"tok"}'`)
    const configDir = await dockerConfigDir({ credHelpers: { [fake.host]: 'fake' } })
    const store = await tempStore()
    await pullImage(store, `${fake.host}/private:1`, { dockerConfig: { configDir, env } })
    const tokenRequests = fake.requests.filter((r) => r.path.startsWith('/token'))
    expect(tokenRequests.length).toBeGreaterThan(0)
    expect(tokenRequests.every((r) => r.authorization === `Basic ${basicAuth('robot', 'tok')}`)).toBe(true)
    // Registry requests carry the token, never the password.
    expect(fake.requests.filter((r) => r.path.startsWith('/v2/') && r.authorization?.startsWith('Basic'))).toEqual([])
  })

  it('says when the token service refuses the credentials', async () => {
    const fake = new FakeRegistry({ auth: 'bearer', user: { username: 'robot', password: 'tok' } })
    running.push(fake)
    await fake.start()
    seedImage(fake, 'private', '1')
    const store = await tempStore()
    await expect(pullImage(store, `${fake.host}/private:1`, { credentials: { username: 'robot', password: 'wrong' } })).rejects.toThrow(
      `pull access denied for ${fake.host}/private, repository does not exist or may require 'docker login': unauthorized: incorrect username or password`,
    )
  })
})
