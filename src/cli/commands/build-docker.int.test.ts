import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'

const dockerHost = serviceOrSkip('docker')
const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))

describe.skipIf(!dockerHost)('layerlab build --backend docker', () => {
  it('builds through the daemon with either builder and says why a step was rebuilt', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-cli-docker-'))
    const context = path.join(dir, 'ctx')
    const store = path.join(dir, 'store')
    spawnSync('mkdir', ['-p', context])
    writeFileSync(path.join(context, 'app.txt'), `v1 ${Date.now()}\n`)
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox:latest\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy.txt\n')
    const build = (builder: string) =>
      spawnSync(process.execPath, [bin, 'build', '--backend', 'docker', '--builder', builder, '--network', 'none', '--store', store, '-t', `cli-docker:${builder}`, context], {
        encoding: 'utf8',
        env: { ...process.env, DOCKER_HOST: dockerHost },
        timeout: 120_000,
      })
    for (const builder of ['buildkit', 'legacy']) {
      const first = build(builder)
      expect(first.status, first.stderr).toBe(0)
      writeFileSync(path.join(context, 'app.txt'), `${builder} ${Date.now()}\n`)
      const second = build(builder)
      expect(second.status, second.stderr).toBe(0)
      expect(second.stderr).toMatch(/REBUILT: app\.txt changed/)
      // The daemon's layers are matched back to the steps, so the summary counts them.
      expect(second.stderr).toMatch(new RegExp(`Built cli-docker:${builder}: 0 of 2 layer steps from cache`))
    }
  }, 240_000)
})
