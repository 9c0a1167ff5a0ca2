import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// These run the real `layerlab` entry point (bin/layerlab.js → out/cli), as a user's shell does.
const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = fileURLToPath(new URL('../../bin/layerlab.js', import.meta.url))
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }

function layerlab(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 20_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('layerlab CLI', () => {
  it('is built (npm install runs the build through "prepare")', () => {
    expect(existsSync(`${root}/out/cli/index.js`), 'out/cli/index.js missing: run npm run build').toBe(true)
  })

  it('prints its version', () => {
    expect(layerlab('--version')).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  it('prints help that lists serve', () => {
    const { code, stdout } = layerlab('--help')
    expect(code).toBe(0)
    expect(stdout).toMatch(/Usage: layerlab <command>/)
    expect(stdout).toMatch(/serve/)
    expect(layerlab('serve', '--help').stdout).toMatch(/--port N/)
  })

  it('reports usage mistakes in one line with status 2 and no stack trace', () => {
    for (const args of [['frobnicate'], ['serve', '--port', 'eighty'], ['serve', '--bogus']]) {
      const { code, stderr } = layerlab(...args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr).toMatch(/^layerlab: /)
      expect(stderr).not.toMatch(/\n\s+at /)
    }
  })
})
