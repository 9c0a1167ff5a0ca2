import { describe, expect, it } from 'vitest'
import { DockerHostError, defaultSocketPath, dockerConnectionFromEnv, parseDockerHost } from './connection'

describe('DOCKER_HOST', () => {
  it('defaults to the platform socket when unset or empty', () => {
    for (const env of [{}, { DOCKER_HOST: '' }, { DOCKER_HOST: '  ' }]) {
      expect(dockerConnectionFromEnv(env)).toMatchObject({ kind: 'socket', socketPath: defaultSocketPath })
    }
  })

  it('reads unix sockets', () => {
    expect(parseDockerHost('unix:///tmp/x/docker.sock')).toEqual({
      kind: 'socket',
      socketPath: '/tmp/x/docker.sock',
      display: 'unix:///tmp/x/docker.sock',
    })
  })

  it('reads tcp hosts with default ports for plain and TLS', () => {
    expect(parseDockerHost('tcp://10.0.0.5')).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http' })
    expect(parseDockerHost('tcp://10.0.0.5', '1')).toMatchObject({ port: 2376, protocol: 'https' })
    expect(parseDockerHost('tcp://10.0.0.5', { verify: true, ca: '/c/ca.pem' })).toMatchObject({ port: 2376, protocol: 'https', tls: { ca: '/c/ca.pem' } })
    expect(dockerConnectionFromEnv({ DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' })).toMatchObject({ protocol: 'https', tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true } })
    expect(parseDockerHost('tcp://[::1]:2380')).toMatchObject({ host: '::1', port: 2380 })
  })

  it('explains values it cannot use', () => {
    expect(() => parseDockerHost('/var/run/docker.sock')).toThrow(/no scheme/)
    expect(() => parseDockerHost('fd://3')).toThrow(DockerHostError)
    expect(() => parseDockerHost('ssh://me@host:0')).toThrow(/invalid port/)
    expect(() => parseDockerHost('tcp://host:99999')).toThrow(/invalid port/)
    expect(() => parseDockerHost('unix://')).toThrow(/names no socket/)
  })
})
