import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The docker CLI against the test daemon (an oracle independent of dockerode and our readers). */
export function dockerCli(host: string | undefined): (args: string[]) => Promise<{ stdout: string; stderr: string }> {
  return (args) => run('/usr/bin/docker', args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 << 20 })
}

/** One layer as `docker save` holds it, read with tar(1) and sha256 over the member's bytes. */
export interface SavedLayerFacts {
  diffId: string
  /** Bytes of the layer tar in the archive. */
  size: number
  /** Member names, sorted; whiteouts as `-path`. */
  names: string[]
}

export async function savedLayerFacts(host: string | undefined, ref: string, workDir: string): Promise<SavedLayerFacts[]> {
  const out = path.join(workDir, `save-${Date.now()}-${Math.random().toString(36).slice(2)}`)
  await mkdir(out, { recursive: true })
  try {
    await dockerCli(host)(['save', '-o', path.join(out, 'image.tar'), ref])
    await run('tar', ['-xf', 'image.tar'], { cwd: out })
    const [manifest] = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as { Layers: string[] }[]
    const layers: SavedLayerFacts[] = []
    for (const layer of manifest?.Layers ?? []) {
      const file = path.join(out, layer)
      const { stdout } = await run('tar', ['-tf', file], { maxBuffer: 64 << 20 })
      const names = stdout.split('\n').map((n) => n.replace(/^\.?\/+/, '').replace(/\/+$/, '')).filter((n) => n !== '' && n !== '.')
      const { stdout: sum } = await run('sha256sum', [file])
      layers.push({
        diffId: `sha256:${sum.split(' ')[0] ?? ''}`,
        size: (await stat(file)).size,
        names: names.map((n) => (/(^|\/)\.wh\./.test(n) ? `-${n.replace(/\.wh\.([^/]*)$/, '$1')}` : n)).sort(),
      })
    }
    return layers
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}
