import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { parseDockerHost } from './connection'
import { dockerClient } from './daemon-status'
import { contextMetaPath, discoverDaemon } from './discovery'

const host = serviceOrSkip('docker')

describe.skipIf(!host)('discoverDaemon against the test engine', () => {
  it('finds it through DOCKER_HOST with the version it reports itself', async () => {
    const truth = await (await dockerClient(parseDockerHost(host ?? ''))).version()
    const { status, connection } = await discoverDaemon({ DOCKER_HOST: host })
    expect(status).toEqual({ available: true, host, version: truth.Version, apiVersion: truth.ApiVersion, os: truth.Os, arch: truth.Arch })
    expect(connection).toEqual(parseDockerHost(host ?? ''))
  })

  it('finds it through the current docker context', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'layerlab-discovery-int-'))
    try {
      const meta = contextMetaPath(path.join(home, '.docker'), 'test-engine')
      await mkdir(path.dirname(meta), { recursive: true })
      await writeFile(meta, JSON.stringify({ Name: 'test-engine', Endpoints: { docker: { Host: host } } }))
      await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'test-engine' }))
      const { status, source } = await discoverDaemon({ HOME: home })
      expect(source).toBe('context')
      expect(status).toMatchObject({ available: true, host })
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  })
})
