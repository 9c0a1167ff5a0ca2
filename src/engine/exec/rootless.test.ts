// The unprivileged path, run for real: root starts a process as uid 1000 that builds a store and
// runs a RUN in the user-namespace sandbox (overlay with userxattr). Single-uid builds only.
import { execFile } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { sandboxSkipReason } from './busybox-rootfs.test-support'

const UID = 1000
const repo = fileURLToPath(new URL('../../..', import.meta.url))
const skip = sandboxSkipReason()
const home = mkdtempSync(join(tmpdir(), 'layerlab-rootless-home-'))
chownSync(home, UID, UID)
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe.skipIf(skip)('unprivileged RUN (user namespace)', () => {
  it('runs as root of a user namespace, and writes a layer owned by root', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./rootless-run.test-support.ts', import.meta.url))], {
      cwd: repo,
      uid: UID,
      gid: UID,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: home },
      timeout: 60_000,
    })
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
    if (typeof report.reason === 'string') {
      console.warn(`unprivileged sandbox unavailable here: ${report.reason}`)
      return
    }
    expect(report).toEqual({
      uid: UID,
      exitCode: 0,
      out: `0\n 0 ${UID} 1\n`,
      hostRoot: { uid: UID, gid: UID },
      layer: ['dir d 0:0', 'dir etc 0:0', 'dir w 0:0', 'file a 0:0', 'file d/n 0:0', 'opaque d', 'whiteout etc/x'],
      refused: expect.stringMatching(/^SandboxError: USER user \(uid 1000\) needs root/) as unknown,
    })
  })
})
