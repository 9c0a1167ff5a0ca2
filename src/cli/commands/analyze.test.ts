import { describe, expect, it } from 'vitest'
import { runLayerlab } from '../cli.test-support'
import { entries, seedImage, tempStore } from '../../engine/image-io/test-fixtures.test-support'
import { parseByteLimit, parseEfficiencyLimit } from './analyze'

const layerlab = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const r = runLayerlab(args, { env })
  return { code: r.code, out: r.stdout, err: r.stderr }
}

/** An image whose third layer deletes a 300 kB file and rewrites a 200 kB one: 500 kB wasted of 1.1 MB. */
async function wastefulImage() {
  const store = await tempStore()
  const lib = Buffer.alloc(100_000, 3)
  await seedImage(store, ['waste:1'], [
    { createdBy: 'ADD rootfs.tar /', layer: entries({ 'usr/lib/libz.so': lib, 'bin/sh': Buffer.alloc(200_000, 1) }) },
    { createdBy: 'RUN fetch', layer: entries({ 'tmp/download.tgz': Buffer.alloc(300_000, 2), 'app/data': Buffer.alloc(200_000, 4) }) },
    { createdBy: 'RUN cleanup', layer: [...entries({ 'app/data': Buffer.alloc(200_000, 5), 'app/libz.so': lib }), { type: 'whiteout', path: 'tmp/download.tgz' }] },
  ])
  return store.dir
}

describe('limit parsing', () => {
  it('reads bytes plainly, in decimal units as docker and dive do, and in binary units', () => {
    expect(parseByteLimit('1048576')).toBe(1048576)
    expect(parseByteLimit('20MB')).toBe(20_000_000)
    expect(parseByteLimit('1.5GiB')).toBe(1.5 * 2 ** 30)
    expect(() => parseByteLimit('lots')).toThrow('invalid --max-wasted-bytes "lots"')
    expect(parseEfficiencyLimit('0.9')).toBe(0.9)
    expect(parseEfficiencyLimit('95%')).toBe(0.95)
    expect(() => parseEfficiencyLimit('1.5')).toThrow('expected a ratio from 0 to 1')
  })
})

describe('layerlab analyze', { timeout: 60_000 }, () => {
  it('prints the score, the wasted paths with their layers, the biggest files and the duplicates', async () => {
    const dir = await wastefulImage()
    const r = layerlab(['analyze', '--store', dir, 'waste:1'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines).toContain('Efficiency:  54.5%')
    expect(lines).toContain('Wasted:      500kB (500000 bytes) in 2 paths')
    expect(lines).toContain('     300kB  /tmp/download.tgz  written in layer 1, deleted in layer 2')
    expect(lines).toContain('     200kB  /app/data  written in layer 1, overwritten in layer 2')
    expect(r.out).toMatch(/Biggest files:\n {5}200kB {2}\/app\/data {2}\(layer 2\)\n {5}200kB {2}\/bin\/sh {2}\(layer 0\)\n {5}100kB {2}\/app\/libz.so/)
    expect(lines).toContain('Duplicates:  1 content stored by several layers, 100kB could be saved')
    expect(lines).toContain('     100kB ×2  /usr/lib/libz.so (layer 0), /app/libz.so (layer 2)')
  })

  it('exits 1 past a limit, naming it, and 0 within it; JSON carries the same numbers', async () => {
    const dir = await wastefulImage()
    const within = layerlab(['analyze', '--store', dir, '--max-wasted-bytes', '500000', '--min-efficiency', '0.5', 'waste:1'])
    expect(within).toMatchObject({ code: 0, err: '' })

    const bytes = layerlab(['analyze', '--store', dir, '--max-wasted-bytes', '400kB', 'waste:1'])
    expect(bytes.code).toBe(1)
    expect(bytes.err).toBe('layerlab analyze: waste:1: wasted 500000 bytes (500kB), more than --max-wasted-bytes 400000 (400kB)\n')

    const score = layerlab(['analyze', '--store', dir, '--json', '--min-efficiency', '60%', 'waste:1'])
    expect(score.code).toBe(1)
    expect(score.err).toBe('layerlab analyze: waste:1: efficiency 54.5% is below --min-efficiency 60.0%\n')
    const json = JSON.parse(score.out) as Record<string, unknown>
    expect(json).toMatchObject({ wastedBytes: 500_000, storedBytes: 1_100_000, liveBytes: 600_000, wastedPathCount: 2, duplicateBytes: 100_000 })
    expect(json.checks).toEqual({ minEfficiency: 0.6, passed: false, failures: ['efficiency 54.5% is below --min-efficiency 60.0%'] })
    expect(json.image).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('exits 2 for usage errors and 1 for an image the store does not have, without a stack trace', async () => {
    const dir = await wastefulImage()
    for (const args of [[], ['a', 'b'], ['--max-wasted-bytes', 'many', 'waste:1'], ['--min-efficiency', '2', 'waste:1'], ['--bogus', 'waste:1']]) {
      const r = layerlab(['analyze', '--store', dir, ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err).toMatch(/^layerlab: .+\nRun "layerlab --help" for usage.\n$/)
    }
    const missing = layerlab(['analyze', '--store', dir, 'nope:1'])
    expect(missing.code).toBe(1)
    expect(missing.err).toBe('layerlab: image nope:1 is not in the store (it may have been pruned)\n')
  })

  it('says once, and where it looked, that no Docker daemon answers for --docker', () => {
    const sock = 'unix:///nonexistent/layerlab-analyze/docker.sock'
    const r = layerlab(['analyze', '--docker', 'busybox'], { ...process.env, DOCKER_HOST: sock })
    expect(r.code).toBe(1)
    expect(r.err).toBe(`layerlab: image busybox: no Docker daemon answers: no socket at ${sock} (DOCKER_HOST is set, so, as with the docker CLI, nowhere else is tried)\n`)
  })
})
