import { describe, expect, it } from 'vitest'
import { hostOf, isLoopback, registryEndpoint } from './registry-endpoint'

const env = {}

describe('registryEndpoint', () => {
  it('uses https, and Docker Hub’s API host for docker.io', () => {
    expect(registryEndpoint('docker.io', { env })).toEqual({ domain: 'docker.io', origin: 'https://registry-1.docker.io', insecure: false })
    expect(registryEndpoint('ghcr.io', { env }).origin).toBe('https://ghcr.io')
    expect(registryEndpoint('registry.example:5000', { env }).origin).toBe('https://registry.example:5000')
  })

  it('uses plain http for loopback hosts only', () => {
    for (const domain of ['localhost:5000', 'localhost', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) {
      expect(registryEndpoint(domain, { env })).toMatchObject({ origin: `http://${domain}`, insecure: true })
    }
    for (const domain of ['localhost.example.com', '128.0.0.1:5000', '10.0.0.1', '[::2]:5000', 'localhostx:5000']) {
      expect(registryEndpoint(domain, { env }).insecure).toBe(false)
    }
  })

  it('uses plain http for registries listed as insecure, by option or environment, host, host:port or CIDR', () => {
    expect(registryEndpoint('reg.lan:5000', { env, insecureRegistries: ['reg.lan'] }).origin).toBe('http://reg.lan:5000')
    expect(registryEndpoint('reg.lan:5000', { env, insecureRegistries: ['reg.lan:5001'] }).insecure).toBe(false)
    expect(registryEndpoint('reg.lan:5000', { env: { LAYERLAB_INSECURE_REGISTRIES: 'a.lan, http://reg.lan:5000/' } }).insecure).toBe(true)
    expect(registryEndpoint('10.1.2.3:5000', { env: { LAYERLAB_INSECURE_REGISTRIES: '10.0.0.0/8' } }).insecure).toBe(true)
    expect(registryEndpoint('11.1.2.3:5000', { env: { LAYERLAB_INSECURE_REGISTRIES: '10.0.0.0/8' } }).insecure).toBe(false)
    // Docker Hub is never downgraded.
    expect(registryEndpoint('docker.io', { env, insecureRegistries: ['docker.io', 'registry-1.docker.io'] }).insecure).toBe(false)
  })

  it('splits hosts from ports, IPv6 included', () => {
    expect(hostOf('[::1]:5000')).toBe('[::1]')
    expect(hostOf('localhost:5000')).toBe('localhost')
    expect(hostOf('example.com')).toBe('example.com')
    expect(isLoopback('[::1]')).toBe(true)
  })
})
