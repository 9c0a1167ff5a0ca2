import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodeTar, prepareLayerEntries, type LayerEntry, type LayerDiff } from '../layers'
import { DockerSaveError, diffSavedImage, readDockerSave } from './docker-save-reader'

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1600000000 }
const f = (path: string, size = 1): LayerEntry => ({ type: 'file', path, ...meta, size, content: { from: 'bytes', bytes: Buffer.alloc(size, 120) } })
const bytes = (path: string, data: Buffer | string): LayerEntry => {
  const b = Buffer.from(data)
  return { type: 'file', path, ...meta, size: b.length, content: { from: 'bytes', bytes: b } }
}
const d = (path: string): LayerEntry => ({ type: 'dir', path, ...meta, mode: 0o755 })
const wh = (path: string): LayerEntry => ({ type: 'whiteout', path })
const link = (path: string, linkTarget: string): LayerEntry => ({ type: 'symlink', path, linkTarget, ...meta, mode: 0o777 })

async function tar(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Yields the archive in small chunks, as a socket would. */
async function* chunked(buf: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size)
}

const summary = (diff: LayerDiff): string[] => diff.changes.map((c) => `${c.change} ${c.path}`)

const base = [d('etc'), f('etc/passwd', 10), f('etc/hosts', 5), d('bin'), f('bin/sh', 1000)]
const upper = [f('etc/passwd', 20), wh('etc/hosts'), d('app'), f('app/new', 50)]
const config = {
  rootfs: { type: 'layers', diff_ids: ['sha256:aaa', 'sha256:bbb', 'sha256:aaa'] },
  history: [{ created_by: 'ADD base' }, { created_by: 'ENV x=1', empty_layer: true }, { created_by: 'RUN change' }, { created_by: 'COPY base again' }],
}

describe('readDockerSave', () => {
  it('reads the legacy layout with manifest.json last and repeated layers as symlinks', async () => {
    const layerA = await tar(base)
    const layerB = await tar(upper)
    const manifest = [{ Config: 'cfg.json', RepoTags: ['x:1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar'] }]
    const archive = await tar([
      bytes('cfg.json', JSON.stringify(config)),
      d('aaa'), bytes('aaa/VERSION', '1.0'), bytes('aaa/json', '{}'), bytes('aaa/layer.tar', layerA),
      d('bbb'), bytes('bbb/layer.tar', layerB),
      d('ccc'), link('ccc/layer.tar', '../aaa/layer.tar'),
      bytes('manifest.json', JSON.stringify(manifest)),
      bytes('repositories', '{}'),
    ])
    const seen: string[] = []
    const contents = await readDockerSave(chunked(archive), { onLayer: (l) => seen.push(l.path) })
    expect(seen).toEqual(['aaa/layer.tar', 'bbb/layer.tar'])
    expect(contents.manifest).toEqual(manifest)
    expect(contents.layers.get('ccc/layer.tar')).toBe(contents.layers.get('aaa/layer.tar'))
    expect([...contents.json.keys()].sort()).toEqual(['cfg.json', 'manifest.json'])

    const layers = await diffSavedImage(contents)
    expect(layers.map((l) => l.diffId)).toEqual(['sha256:aaa', 'sha256:bbb', 'sha256:aaa'])
    expect(layers.map((l) => l.archiveSize)).toEqual([layerA.length, layerB.length, layerA.length])
    expect(summary(layers[0]!.diff)).toEqual(['added bin', 'added bin/sh', 'added etc', 'added etc/hosts', 'added etc/passwd'])
    expect(summary(layers[1]!.diff)).toEqual(['added app', 'added app/new', 'removed etc/hosts', 'modified etc/passwd'])
    const root = layers[1]!.diff.directories.find((dir) => dir.path === '')
    expect(root).toMatchObject({ size: 70, removedSize: 5, added: 2, modified: 1, removed: 1 })
    expect(summary(layers[2]!.diff)).toEqual(['modified bin', 'modified bin/sh', 'modified etc', 'added etc/hosts', 'modified etc/passwd'])
  })

  it('reads the OCI layout of Docker 25+ (blobs named by digest, gzipped layers too)', async () => {
    const layerA = gzipSync(await tar(base))
    const layerB = await tar(upper)
    const manifest = [{ Config: 'blobs/sha256/c0', RepoTags: null, Layers: ['blobs/sha256/a1', 'blobs/sha256/b2'] }]
    const archive = await tar([
      d('blobs'), d('blobs/sha256'),
      bytes('blobs/sha256/a1', layerA), bytes('blobs/sha256/b2', layerB),
      bytes('blobs/sha256/c0', JSON.stringify(config)),
      bytes('blobs/sha256/m0', JSON.stringify({ schemaVersion: 2 })),
      bytes('index.json', '{}'), bytes('oci-layout', '{}'),
      bytes('manifest.json', JSON.stringify(manifest)),
    ])
    const contents = await readDockerSave(chunked(archive, 333))
    expect(contents.manifest[0]?.RepoTags).toEqual([])
    expect([...contents.layers.keys()]).toEqual(['blobs/sha256/a1', 'blobs/sha256/b2'])
    const layers = await diffSavedImage(contents)
    expect(layers.map((l) => summary(l.diff).length)).toEqual([5, 4])
  })

  it('reads an OCI-layout layer whose first entry is named like JSON as a layer, not as JSON', async () => {
    const braced = await tar([f('{braced}', 3), f('{more}', 4)])
    const listed = await tar([d('[dir]'), f('[dir]/x', 2)])
    expect(braced[0]).toBe(0x7b)
    expect(listed[0]).toBe(0x5b)
    const manifest = [{ Config: 'blobs/sha256/c0', RepoTags: ['odd:1'], Layers: ['blobs/sha256/a1', 'blobs/sha256/b2'] }]
    const archive = await tar([
      d('blobs'), d('blobs/sha256'),
      bytes('blobs/sha256/a1', braced), bytes('blobs/sha256/b2', listed),
      bytes('blobs/sha256/c0', JSON.stringify({ rootfs: { type: 'layers', diff_ids: ['sha256:a1', 'sha256:b2'] }, history: [] })),
      bytes('blobs/sha256/l0', '[]'),
      bytes('manifest.json', JSON.stringify(manifest)),
    ])
    const contents = await readDockerSave(chunked(archive, 100))
    expect([...contents.json.keys()].sort()).toEqual(['blobs/sha256/c0', 'blobs/sha256/l0', 'manifest.json'])
    const layers = await diffSavedImage(contents)
    expect(layers.map((l) => summary(l.diff))).toEqual([['added {braced}', 'added {more}'], ['added [dir]', 'added [dir]/x']])
  })

  it('refuses an archive whose JSON members together pass the cap, saying so', async () => {
    const many = Array.from({ length: 20 }, (_, i) => bytes(`blobs/sha256/j${String(i).padStart(2, '0')}`, JSON.stringify({ pad: 'x'.repeat(200) })))
    const archive = await tar([d('blobs'), d('blobs/sha256'), ...many, bytes('manifest.json', '[]')])
    await expect(readDockerSave(chunked(archive), { maxTotalJsonBytes: 2000 })).rejects.toThrow(/^the archive's JSON members pass 2000 bytes at blobs\/sha256\/j09: /)
    expect((await readDockerSave(chunked(archive), { maxTotalJsonBytes: 10_000 })).json.size).toBe(21)
  })

  it('fails clearly without manifest.json or with a layer missing', async () => {
    await expect(readDockerSave(await tar([bytes('x.json', '{}')]))).rejects.toThrow(DockerSaveError)
    const contents = await readDockerSave(await tar([bytes('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: [], Layers: ['gone/layer.tar'] }]))]))
    await expect(diffSavedImage(contents)).rejects.toThrow(/layer 1 \(gone\/layer.tar\) is missing/)
  })
})
