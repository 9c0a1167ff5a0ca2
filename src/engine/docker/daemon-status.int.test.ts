import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { dockerClient, probeDockerDaemon } from './daemon-status'

const dockerHost = serviceOrSkip('docker')

describe('probeDockerDaemon', () => {
  it.skipIf(!dockerHost)('reports the test engine as available with the version it reports itself', async () => {
    const status = await probeDockerDaemon({ DOCKER_HOST: dockerHost })
    const socketPath = new URL(dockerHost ?? '').pathname
    const truth = await (await dockerClient({ kind: 'socket', socketPath, display: dockerHost ?? '' })).version()
    expect(status).toEqual({
      available: true,
      host: dockerHost,
      version: truth.Version,
      apiVersion: truth.ApiVersion,
      os: truth.Os,
      arch: truth.Arch,
    })
  })

  it('says why when no daemon listens at the socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'layerlab-nodocker-'))
    try {
      const status = await probeDockerDaemon({ DOCKER_HOST: `unix://${dir}/docker.sock` })
      expect(status).toEqual({
        available: false,
        host: `unix://${dir}/docker.sock`,
        reason: `no Docker socket at unix://${dir}/docker.sock: is the daemon running?`,
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('says why when DOCKER_HOST cannot be used', async () => {
    const status = await probeDockerDaemon({ DOCKER_HOST: 'ssh://me@box' })
    expect(status).toMatchObject({ available: false, reason: expect.stringMatching(/unsupported scheme "ssh"/) })
  })
})
