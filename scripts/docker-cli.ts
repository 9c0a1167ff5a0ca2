// The docker client for tests that compare with the test engine: /usr/bin/docker (the 20.10
// client that matches the daemon; the newer one on PATH has no BuildKit without buildx),
// BuildKit on, and a failure thrown with docker's own message.
import { spawnSync } from 'node:child_process'

export function dockerCli(host: string | undefined): (...args: string[]) => string {
  return (...args) => {
    const result = spawnSync('/usr/bin/docker', args, {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' },
      maxBuffer: 1 << 28,
    })
    if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`)
    return `${result.stdout}${result.stderr}`
  }
}
