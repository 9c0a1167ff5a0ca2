// Deterministic workloads: a seeded PRNG (no Math.random) generates the build context and the
// Dockerfiles, so every run and every machine measures the same bytes.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface WorkloadSpec {
  /** Files in the context. */
  files: number
  /** Files written by the cold build's RUN (half of them deleted by the next RUN). */
  runFiles: number
  seed: number
}

export const FULL: WorkloadSpec = { files: 20_000, runFiles: 10_000, seed: 0x1a7e81ab }
export const QUICK: WorkloadSpec = { files: 2_000, runFiles: 1_000, seed: 0x1a7e81ab }

/** mulberry32: small, fast, and the same everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Workspace {
  root: string
  contextDir: string
  /** The 10-step Dockerfile of workloads 1 and 2 (outside the context). */
  dockerfile: string
  /** Workload 3's Dockerfile. */
  coldDockerfile: string
  /** The source file workload 2 edits (relative to the context). */
  editedFile: string
  editedOriginal: Buffer
  bytes: number
  files: number
}

const POOL_BYTES = 8 * 1024 * 1024
const BIG = 512 * 1024

function fileSize(rand: () => number, index: number): number {
  // One file in a hundred is 512 KiB, the rest 512 B – 8.5 KiB: ~200 MB for 20,000 files.
  return index % 100 === 37 ? BIG : 512 + Math.floor(rand() * 8192)
}

export function filePath(index: number): string {
  const top = `pkg${String(index % 20).padStart(2, '0')}`
  const sub = `mod${Math.floor(index / 20) % 10}`
  return path.join(top, sub, `file${String(index).padStart(5, '0')}.ts`)
}

export function mainDockerfile(): string {
  return [
    'FROM busybox:latest',
    'LABEL org.layerlab.bench="workload-1"',
    'ENV APP_HOME=/app MODE=bench',
    'WORKDIR /app',
    'COPY pkg00/ /app/pkg00/',
    'RUN echo early > /app/early.txt',
    'COPY . /app/',
    'RUN find /app -type f | wc -l > /app/count.txt',
    'RUN sha256sum /app/count.txt > /app/count.sha',
    'CMD ["sh", "-c", "cat /app/count.txt"]',
    '',
  ].join('\n')
}

export function coldDockerfile(runFiles: number): string {
  return [
    'FROM busybox:latest',
    'COPY . /ctx/',
    `RUN mkdir -p /gen && i=0; while [ $i -lt ${runFiles} ]; do echo "$i" > /gen/f$i; i=$((i+1)); done`,
    'RUN rm -f /gen/f*[02468] && ls /gen | wc -l > /gen.count',
    '',
  ].join('\n')
}

/** Generates (or reuses, when the spec matches) the workspace under `root`. */
export async function prepareWorkspace(root: string, spec: WorkloadSpec): Promise<Workspace> {
  const contextDir = path.join(root, 'context')
  const marker = path.join(root, 'spec.json')
  const editedFile = filePath(7 * 20 + 7) // pkg07/…: after the early COPY of pkg00/
  const want = JSON.stringify({ ...spec, version: 1 })
  let bytes = 0
  const have = existsSync(marker) ? await readFile(marker, 'utf8').catch(() => '') : ''
  if (have.startsWith(want)) {
    bytes = Number(have.slice(want.length + 1))
  } else {
    await rm(root, { recursive: true, force: true })
    await mkdir(contextDir, { recursive: true })
    const rand = prng(spec.seed)
    const pool = new Uint32Array(POOL_BYTES / 4)
    for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rand() * 4294967296)
    const poolBytes = Buffer.from(pool.buffer)
    const made = new Set<string>()
    for (let i = 0; i < spec.files; i++) {
      const rel = filePath(i)
      const dir = path.dirname(path.join(contextDir, rel))
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true })
        made.add(dir)
      }
      const size = fileSize(rand, i)
      const offset = Math.floor(rand() * (POOL_BYTES - size))
      const header = Buffer.from(`// ${rel}\n`)
      const body = Buffer.concat([header, poolBytes.subarray(offset, offset + size - header.length)])
      await writeFile(path.join(contextDir, rel), body)
      bytes += body.length
    }
    await writeFile(marker, `${want}\n${bytes}`)
  }
  const dockerfile = path.join(root, 'main.Dockerfile')
  const cold = path.join(root, 'cold.Dockerfile')
  await writeFile(dockerfile, mainDockerfile())
  await writeFile(cold, coldDockerfile(spec.runFiles))
  // Workload 2 edits this file; the original is restored before workload 1.
  const editedOriginal = await readFile(path.join(contextDir, editedFile))
  return { root, contextDir, dockerfile, coldDockerfile: cold, editedFile, editedOriginal, bytes, files: spec.files }
}

/** Workload 2's edit: new content for the edited file, distinct per call. */
export async function editSource(ws: Workspace, tag: string): Promise<void> {
  await writeFile(path.join(ws.contextDir, ws.editedFile), Buffer.concat([ws.editedOriginal, Buffer.from(`\n// ${tag}\n`)]))
}

export async function restoreSource(ws: Workspace): Promise<void> {
  await writeFile(path.join(ws.contextDir, ws.editedFile), ws.editedOriginal)
}
