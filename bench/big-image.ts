// Workload 5: a large image built and saved by the CLI, with the peak RSS of each process. The
// context holds a few big files of PRNG bytes (incompressible to gzip: 1 MiB slices at random
// offsets of an 8 MiB pool, far beyond deflate's 32 KiB window), so COPY streams them through
// hashing, tar and gzip, the RUN streams them out of the lower layer into its rootfs, and
// `layerlab save` streams them back out of the store.
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { freshStore, type Ctx, type Row } from './cases'
import { log, timeChild, type Sample } from './measure'
import { prng } from './workloads'

const CHUNK = 1024 * 1024
const POOL = 8 * CHUNK
const PART_MB = 256

export function bigDockerfile(): string {
  return [
    'FROM busybox:latest',
    'COPY data/ /data/',
    // Reads every byte of the lower layer back and adds a small layer on top.
    'RUN cat /data/* | wc -c > /data/bytes.txt',
    '',
  ].join('\n')
}

/** Generates (or reuses) `mb` MiB of data in parts of ≤ 256 MiB under root/context/data. */
export async function prepareBigContext(root: string, mb: number, seed: number): Promise<{ contextDir: string; dockerfile: string; bytes: number }> {
  const contextDir = path.join(root, 'context')
  const marker = path.join(root, 'spec.json')
  const want = JSON.stringify({ mb, seed, version: 1 })
  const have = existsSync(marker) ? await readFile(marker, 'utf8').catch(() => '') : ''
  if (have !== want) {
    await rm(root, { recursive: true, force: true })
    await mkdir(path.join(contextDir, 'data'), { recursive: true })
    const rand = prng(seed ^ 0x5eed)
    const pool = new Uint32Array(POOL / 4)
    for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rand() * 4294967296)
    const poolBytes = Buffer.from(pool.buffer)
    for (let part = 0, left = mb; left > 0; part++) {
      const partMb = Math.min(PART_MB, left)
      left -= partMb
      const out = createWriteStream(path.join(contextDir, 'data', `part${String(part).padStart(2, '0')}.bin`))
      for (let i = 0; i < partMb; i++) {
        const offset = Math.floor(rand() * (POOL - CHUNK))
        if (!out.write(poolBytes.subarray(offset, offset + CHUNK))) await new Promise<void>((r) => out.once('drain', () => r()))
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    }
    await writeFile(marker, want)
  }
  const dockerfile = path.join(root, 'big.Dockerfile')
  await writeFile(dockerfile, bigDockerfile())
  return { contextDir, dockerfile, bytes: mb * CHUNK }
}

export interface BigImageResult {
  build: Row
  save: Row
  archiveBytes: number
}

/** Builds (cold, --no-cache) and saves the big image `runs` times with the CLI. */
export async function bigImage(c: Ctx, seed: string, mb: number, runs: number): Promise<BigImageResult> {
  const root = path.join(c.scratch, 'big')
  log(`w5: generating ${mb} MiB of context data`)
  const big = await prepareBigContext(root, mb, 0x1a7e81ab)
  const cli = path.join(c.repo, 'bin/layerlab.js')
  const archive = path.join(c.scratch, 'big.tar')
  const builds: Sample[] = []
  const saves: Sample[] = []
  let archiveBytes = 0
  for (let i = 0; i < runs; i++) {
    const store = await freshStore(c, seed, 'store-w5')
    builds.push(
      await timeChild(process.execPath, [cli, 'build', '--store', store, '-f', big.dockerfile, '-t', 'bench/w5:latest', '--progress', 'plain', '--no-cache', big.contextDir]),
    )
    await rm(archive, { force: true })
    saves.push(await timeChild(process.execPath, [cli, 'save', '--store', store, '-o', archive, 'bench/w5:latest']))
    archiveBytes = (await stat(archive)).size
    await rm(archive, { force: true })
    await rm(store, { recursive: true, force: true })
    log(
      `w5 run ${i + 1}: build ${builds[i]!.ms.toFixed(0)} ms (${builds[i]!.rssMiB?.toFixed(0)} MiB), ` +
        `save ${saves[i]!.ms.toFixed(0)} ms (${saves[i]!.rssMiB?.toFixed(0)} MiB), archive ${(archiveBytes / 2 ** 20).toFixed(0)} MiB`,
    )
  }
  const size = `${(big.bytes / 2 ** 30).toFixed(mb % 1024 === 0 ? 0 : 2)} GiB`
  return {
    build: { workload: `5. ${size} image: build (COPY + RUN, CLI)`, layerlab: builds, buildkit: [], kind: 'rss', target: 250, baseline: '—' },
    save: { workload: `5. ${size} image: layerlab save`, layerlab: saves, buildkit: [], kind: 'rss', target: 250, baseline: '—' },
    archiveBytes,
  }
}
