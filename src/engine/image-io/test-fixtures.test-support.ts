// Helpers for this module's tests: stores with images whose layers are real gzip tars, and
// hand-made archives (including hostile ones). Not used by the engine itself.
import { createReadStream } from 'node:fs'
import { mkdtemp, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { LayerEntry, PreparedEntry, TarHeader } from '../layers'
import { encodeTar, readTar, writeLayer } from '../layers'
import type { Store } from '../store'
import { openStore, putImage } from '../store'

export async function tempDir(prefix = 'layerlab-image-io-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

export async function tempStore(): Promise<Store> {
  return openStore(path.join(await tempDir(), 'store'))
}

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000 }

/** A layer's entries from `path → content`; a value starting with `->` makes a symlink. */
export function entries(files: Record<string, string | Buffer>): LayerEntry[] {
  return Object.entries(files).map(([p, content]): LayerEntry => {
    if (typeof content === 'string' && content.startsWith('->')) return { type: 'symlink', path: p, linkTarget: content.slice(2), ...meta }
    const bytes = Buffer.from(content)
    return { type: 'file', path: p, size: bytes.length, content: { from: 'bytes', bytes }, ...meta }
  })
}

export interface SeedStep {
  createdBy: string
  /** Omit for an empty_layer step (ENV, CMD...). */
  layer?: LayerEntry[]
  comment?: string
}

/** Writes gzip layers into the store and an image over them, as a build would. */
export async function seedImage(store: Store, tags: string[], steps: SeedStep[], created = '2026-01-02T03:04:05Z') {
  const layers = []
  const work = await tempDir('layerlab-seed-')
  for (const [i, step] of steps.entries()) {
    if (!step.layer) continue
    const file = path.join(work, `layer-${i}.tar.gz`)
    const digests = await writeLayer(step.layer, file)
    await store.putBlobFromStream(createReadStream(file), { digest: digests.digest, size: digests.size })
    await unlink(file)
    layers.push(digests)
  }
  const config = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: steps.map((s) => ({
      created,
      created_by: s.createdBy,
      ...(s.comment !== undefined ? { comment: s.comment } : {}),
      ...(s.layer ? {} : { empty_layer: true }),
    })),
  }
  const result = await putImage(store, { config, layers: layers.map((l) => ({ digest: l.digest, size: l.size })), tags })
  return { ...result, layers, imageConfig: config }
}

/** A two-layer image plus an empty step, the shape most tests need. */
export async function seedApp(store: Store, tags = ['app:1']) {
  return seedImage(store, tags, [
    { createdBy: 'ADD rootfs.tar / # buildkit', comment: 'buildkit.dockerfile.v0', layer: entries({ 'etc/os-release': 'ID=test\n', 'bin/sh': Buffer.alloc(40_000, 1), 'bin/ls': '->sh' }) },
    { createdBy: 'ENV A=1', comment: 'buildkit.dockerfile.v0' },
    { createdBy: 'COPY app.txt /app/ # buildkit', comment: 'buildkit.dockerfile.v0', layer: entries({ 'app/app.txt': 'hello from layerlab\n' }) },
  ])
}

export interface RawMember {
  name: string
  data?: Buffer | string
  type?: TarHeader['type']
  linkname?: string
}

/** A tar of exactly these members, in this order, names as given (even hostile ones). */
export async function tarOf(members: RawMember[]): Promise<Buffer> {
  const prepared = members.map((m): PreparedEntry => {
    const bytes = m.data === undefined ? undefined : Buffer.from(m.data)
    const header: TarHeader = { name: m.name, type: m.type ?? 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: bytes?.length ?? 0 }
    if (m.linkname !== undefined) header.linkname = m.linkname
    return { key: Buffer.alloc(0), header, ...(bytes ? { content: { from: 'bytes' as const, bytes } } : {}) }
  })
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepared)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Every member of a tar with its bytes (small archives only). */
export async function membersOf(archive: Buffer): Promise<Map<string, { type: string; data: Buffer; linkname?: string }>> {
  const out = new Map<string, { type: string; data: Buffer; linkname?: string }>()
  for await (const { header, body } of readTar([archive])) {
    const parts: Buffer[] = []
    for await (const chunk of body) parts.push(chunk)
    out.set(header.name, { type: header.type, data: Buffer.concat(parts), ...(header.linkname !== undefined ? { linkname: header.linkname } : {}) })
  }
  return out
}
