import { ImageIoError } from './errors'
import type { PreparedImage } from './image-writer'
import { MAX_JSON_BYTES, checkDiffId, checkLayerCount, parseConfig, parseRepoTag, requireLayer } from './image-writer'
import type { ImportSource } from './import-source'
import type { StoredLayer } from './layer-ingest'

interface ManifestItem {
  Config: string
  RepoTags: string[]
  Layers: string[]
}

/**
 * Reads a `docker save` archive through its manifest.json, as Docker's graphdriver load does:
 * paths are whatever manifest.json says (old `<id>/layer.tar` or new `blobs/sha256/<diffID>`),
 * RepoTags must be `name:tag`, there must be one layer per diff_id, and each layer, decompressed
 * if needed, must hash to its diffID.
 */
export async function readDockerArchive(source: ImportSource): Promise<PreparedImage[]> {
  const text = await source.readFile('manifest.json', MAX_JSON_BYTES)
  if (text === undefined) throw new ImageIoError('invalid-archive', `${source.label} has no manifest.json`)
  const items = parseManifestJson(text, source.label)
  // Every tag is checked before any layer is read: a bad name should not cost a long import.
  const tags = items.map((item, i) => item.RepoTags.map((t) => parseRepoTag(t, `${source.label}: manifest.json[${i}].RepoTags`)))
  const images: PreparedImage[] = []
  for (const [i, item] of items.entries()) {
    const where = `${source.label}: image ${i + 1} (${item.Config})`
    const configBytes = await source.readFile(item.Config, MAX_JSON_BYTES)
    if (configBytes === undefined) throw new ImageIoError('invalid-archive', `${where}: the config is missing from the archive`)
    const diffIds = parseConfig(configBytes, where).rootfs.diff_ids
    checkLayerCount(item.Layers.length, diffIds.length, where)
    const layers: StoredLayer[] = []
    for (const [j, name] of item.Layers.entries()) {
      const blob = await source.ingest(name)
      if (blob === undefined) throw new ImageIoError('invalid-archive', `${where}: layer ${j + 1} (${name}) is missing from the archive`)
      const layer = requireLayer(blob, `${where}: layer ${j + 1} (${name})`)
      checkDiffId(layer, diffIds[j] ?? '', `${where}: layer ${j + 1} (${name})`)
      layers.push(layer)
    }
    images.push({ configBytes, layers, tags: tags[i] ?? [] })
  }
  return images
}

function parseManifestJson(text: Buffer, label: string): ManifestItem[] {
  let value: unknown
  try {
    value = JSON.parse(text.toString('utf8'))
  } catch {
    throw new ImageIoError('invalid-archive', `${label}: manifest.json is not JSON`)
  }
  if (!Array.isArray(value)) throw new ImageIoError('invalid-archive', `${label}: manifest.json is not a list of images`)
  return value.map((raw: unknown, i): ManifestItem => {
    const item = raw as Partial<Record<keyof ManifestItem, unknown>> | null
    const bad = (what: string): never => {
      throw new ImageIoError('invalid-archive', `${label}: manifest.json[${i}]: ${what}`)
    }
    if (typeof item !== 'object' || item === null) return bad('not an object')
    if (typeof item.Config !== 'string') return bad('Config is not a path')
    if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) return bad('Layers is not a list of paths')
    const repoTags = item.RepoTags ?? []
    if (!Array.isArray(repoTags)) return bad('RepoTags is not a list')
    return { Config: item.Config, Layers: item.Layers as string[], RepoTags: repoTags as string[] }
  })
}
