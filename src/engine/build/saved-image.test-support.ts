// `docker save` of one image, read back as its config and every layer's entries, for tests that
// compare Layerlab's images with the daemon's.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { readLayer, readTar } from '../layers'

export interface SavedImage {
  config: { config: Record<string, unknown>; history: { created_by?: string; empty_layer?: boolean }[] }
  /** Per layer, lowest first: `path type mode uid:gid size-or-link-target` rows. */
  layers: string[][]
}

export async function savedImage(docker: (...args: string[]) => string, ref: string, workDir: string): Promise<SavedImage> {
  const archive = path.join(workDir, `${ref.replace(/[/:]/g, '_')}.tar`)
  docker('save', '-o', archive, ref)
  const files = new Map<string, Buffer>()
  for await (const { header, body } of readTar([await readFile(archive)])) {
    const chunks: Buffer[] = []
    for await (const c of body) chunks.push(c)
    files.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks))
  }
  const [entry] = JSON.parse(String(files.get('manifest.json'))) as { Config: string; Layers: string[] }[]
  if (!entry) throw new Error(`docker save ${ref}: empty manifest.json`)
  const layers: string[][] = []
  for (const layerPath of entry.Layers) {
    const rows: string[] = []
    for await (const { header } of readLayer([files.get(layerPath) ?? Buffer.alloc(0)])) {
      const detail = header.type === 'file' ? String(header.size) : (header.linkname ?? '')
      rows.push(`${header.name} ${header.type} ${header.mode.toString(8)} ${header.uid}:${header.gid} ${detail}`.trim())
    }
    layers.push(rows)
  }
  return { config: JSON.parse(String(files.get(entry.Config))) as SavedImage['config'], layers }
}
