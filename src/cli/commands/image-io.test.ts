import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { seedApp, tempDir, tempStore } from '../../engine/image-io/test-fixtures.test-support'

const bin = fileURLToPath(new URL('../../../bin/layerlab.js', import.meta.url))
const layerlab = (args: string[], input?: Buffer) => {
  const r = spawnSync(process.execPath, [bin, ...args], { timeout: 60_000, maxBuffer: 64 << 20, ...(input ? { input } : {}) })
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') }
}

// The commands exist once src/cli/index.ts lists them and the bundle is rebuilt. Until then this
// file skips with a warning on a developer's machine, and fails under CI, where skipping would
// hide that the commands are missing.
const wired = layerlab(['save', '--help']).code === 0
if (!wired) {
  if (process.env.CI === 'true') throw new Error('layerlab save is not available: wire src/cli/commands/image-io.ts into src/cli/index.ts and rebuild')
  console.warn('skipping image-io CLI tests: "layerlab save" is not in the built CLI yet (wire it in src/cli/index.ts, run node scripts/build-cli.mjs)')
}

async function seededStore() {
  const store = await tempStore()
  const seeded = await seedApp(store, ['app:1'])
  return { dir: store.dir, seeded }
}

describe.skipIf(!wired)('layerlab save, load, export, history', () => {
  it('saves to a file and to stdout, and loads either back, from a file or from stdin', async () => {
    const { dir, seeded } = await seededStore()
    const file = path.join(await tempDir(), 'app.tar')
    expect(layerlab(['save', '--store', dir, '-o', file, 'app:1'])).toMatchObject({ code: 0, out: '', err: '' })
    const piped = layerlab(['save', '--store', dir, 'app:1'])
    expect(piped.code).toBe(0)
    expect(piped.stdout.equals(readFileSync(file))).toBe(true)

    const other = path.join(await tempDir(), 'store')
    expect(layerlab(['load', '--store', other, file])).toMatchObject({ code: 0, out: 'Loaded image: app:1\n' })
    const third = path.join(await tempDir(), 'store')
    expect(layerlab(['load', '--store', third], piped.stdout)).toMatchObject({ code: 0, out: 'Loaded image: app:1\n' })
    expect(layerlab(['images', '--store', third]).out).toContain(seeded.config.digest.slice(7, 19))
  })

  it('prints docker history, truncated or not, human or not', async () => {
    const { dir, seeded } = await seededStore()
    const human = layerlab(['history', '--store', dir, 'app:1'])
    expect(human.code).toBe(0)
    const lines = human.out.trimEnd().split('\n')
    expect(lines[0]).toBe('IMAGE          CREATED         CREATED BY                      SIZE      COMMENT')
    expect(lines[1]).toMatch(new RegExp(`^${seeded.config.digest.slice(7, 19)}   \\d+ \\w+ ago +COPY app.txt /app/ # buildkit   20B       buildkit.dockerfile.v0$`))
    expect(lines.slice(2).map((l) => l.replace(/ago +/, 'ago ').split(/ {3,}/))).toEqual([
      ['<missing>', expect.stringMatching(/ago ENV A=1$/), '0B', 'buildkit.dockerfile.v0'],
      ['<missing>', expect.stringMatching(/ago ADD rootfs.tar \/ # buildkit$/), '40kB', 'buildkit.dockerfile.v0'],
    ])
    const raw = layerlab(['history', '--store', dir, '--no-trunc', '--human=false', 'app:1'])
    expect(raw.out).toContain(`${seeded.config.digest}   2026-01-02T03:04:05`)
    expect(raw.out).toMatch(/ADD rootfs.tar \/ # buildkit {5}40010 {5}buildkit/)
    expect(layerlab(['history', '--store', dir, '-q', 'app:1']).out).toBe(`${seeded.config.digest.slice(7, 19)}\n<missing>\n<missing>\n`)
  })

  it('exports an OCI layout and names it as skopeo wants it', async () => {
    const { dir } = await seededStore()
    const out = path.join(await tempDir(), 'layout')
    expect(layerlab(['export', '--store', dir, '--oci', out, 'app:1'])).toMatchObject({ code: 0, out: `Exported app:1 to oci:${out}:1\n` })
    expect(existsSync(path.join(out, 'index.json'))).toBe(true)
    expect(layerlab(['load', '--store', path.join(await tempDir(), 'store'), '-i', out]).out).toBe('Loaded image: app:1\n')
  })

  it('fails with one line, no stack trace', async () => {
    const { dir } = await seededStore()
    const file = path.join(await tempDir(), 'x.tar')
    expect(layerlab(['save', '--store', dir, '-o', file, 'nope'])).toMatchObject({ code: 1, err: 'layerlab: no such image: nope:latest\n' })
    expect(existsSync(file)).toBe(false)
    writeFileSync(file, 'not an archive at all, just text')
    const refused = layerlab(['load', '--store', dir, file])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/^layerlab: .*x\.tar is not a valid tar archive[^\n]*\n$/)
    expect(layerlab(['load', '--store', dir, path.join(file, 'missing')])).toMatchObject({ code: 1, err: expect.stringMatching(/no such file or directory\n$/) })
    expect(layerlab(['save', '--store', dir])).toMatchObject({ code: 2, err: expect.stringContaining('needs at least one IMAGE') })
    expect(layerlab(['export', '--store', dir, 'app:1'])).toMatchObject({ code: 2, err: expect.stringContaining('needs --oci DIR') })
    expect(layerlab(['history', '--store', dir, '--human=maybe', 'app:1']).code).toBe(2)
  })

  it('explains each command with --help', () => {
    for (const command of ['save', 'load', 'export', 'history']) {
      const help = layerlab([command, '--help'])
      expect(help.code).toBe(0)
      expect(help.out).toMatch(new RegExp(`^Usage: layerlab ${command} `))
      expect(help.out).toContain('--store DIR')
    }
  })
})
