import { posix } from 'node:path'
import { BLOCK_SIZE, FIELD, headerChecksum } from '../layers/tar-header'
import {
  createLayerStack,
  layerRecords,
  readTar,
  type ByteSource,
  type LayerDiff,
  type LayerRecord,
  type ReadTarOptions,
} from '../layers'

/** One image in a `docker save` archive's manifest.json. */
export interface SaveManifestItem {
  Config: string
  RepoTags: string[]
  Layers: string[]
}

/** A layer member of the archive, reduced to its file-tree records (no file data). */
export interface SavedLayer {
  /** Archive path of the member the records were read from. */
  path: string
  /** Bytes of the (uncompressed or compressed) layer member as stored in the archive. */
  archiveSize: number
  records: LayerRecord[]
}

/** What a streamed `docker save` archive leaves behind: small JSON files and layer records. */
export interface DockerSaveContents {
  manifest: SaveManifestItem[]
  /** Small JSON members (image configs, OCI index/manifests) by archive path. */
  json: Map<string, Buffer>
  /** Layer records by archive path; symlinked / hard-linked repeats point at the same object. */
  layers: Map<string, SavedLayer>
}

export class DockerSaveError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DockerSaveError'
  }
}

export interface ReadDockerSaveOptions extends ReadTarOptions {
  /** Cap on any JSON member kept in memory (default 8 MiB). */
  maxJsonBytes?: number
  /** Cap on all JSON members kept together (default 64 MiB): an archive past it is refused. */
  maxTotalJsonBytes?: number
  /** Called when a layer member has been read (for progress). */
  onLayer?: (layer: SavedLayer) => void
  /** false: only the layer members' sizes are wanted; their bytes are skipped, not parsed. */
  records?: boolean
}

const LEGACY_METADATA = /(^|\/)(VERSION|json)$|^repositories$/

/**
 * Whether a member's first bytes are a tar header (its checksum adds up). A layer whose first
 * entry is named `{…}` or `[…]` starts like JSON; only this tells the two apart.
 */
function isTarHeader(head: Buffer): boolean {
  if (head.length < BLOCK_SIZE) return false
  const [start, width] = FIELD.checksum
  const stored = Number.parseInt(head.subarray(start, start + width).toString('latin1').replace(/[\0 ]+/g, ' ').trim(), 8)
  return stored === headerChecksum(head.subarray(0, BLOCK_SIZE))
}

function archivePath(name: string): string | undefined {
  const relative = posix.normalize(name.replace(/^\/+/, '') || '.')
  if (relative === '..' || relative.startsWith('../') || relative === '.') return undefined
  return relative.replace(/\/+$/, '')
}

async function collect(body: AsyncIterable<Buffer>, first: Buffer | undefined, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = first ? [first] : []
  let total = first?.length ?? 0
  for await (const chunk of body) {
    total += chunk.length
    if (total > limit) throw new DockerSaveError(`${what} is larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** The body with the already-taken first chunk put back in front. */
async function* withFirst(first: Buffer | undefined, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first) yield first
  for (;;) {
    const next = await rest.next()
    if (next.done) return
    yield next.value
  }
}

/**
 * Streams a `docker save` archive once, in whatever order its members come (manifest.json is
 * often last): each layer member is read through layerRecords as it passes, keeping only its
 * records; small JSON members are kept whole. Nothing else of the archive is held. Understands
 * the legacy layout (`<id>/layer.tar`, repeats as symlinks) and the OCI one of Docker 25+
 * (`blobs/sha256/<hex>`, with manifest.json naming them).
 */
export async function readDockerSave(source: ByteSource, options: ReadDockerSaveOptions = {}): Promise<DockerSaveContents> {
  const maxJson = options.maxJsonBytes ?? 8 << 20
  const maxTotalJson = options.maxTotalJsonBytes ?? 64 << 20
  let keptJson = 0
  const json = new Map<string, Buffer>()
  const layers = new Map<string, SavedLayer>()
  const links = new Map<string, string>()
  for await (const { header, body } of readTar(source, options)) {
    const name = archivePath(header.name)
    if (name === undefined) continue
    if (header.type === 'symlink' || header.type === 'hardlink') {
      const target = header.linkname ?? ''
      const resolved = header.type === 'symlink' && !target.startsWith('/') ? posix.join(posix.dirname(name), target) : target
      const clean = archivePath(resolved)
      if (clean !== undefined) links.set(name, clean)
      continue
    }
    if (header.type !== 'file' || LEGACY_METADATA.test(name)) continue
    const isLayerName = name.endsWith('.tar') || name.endsWith('.tar.gz') || name.endsWith('.tar.zst')
    const isJsonName = name.endsWith('.json')
    if (!isLayerName && !isJsonName && !name.startsWith('blobs/')) continue
    // A blob may be a layer or a JSON document: look at its first block.
    const iterator = body[Symbol.asyncIterator]()
    const headChunks: Buffer[] = []
    let headLength = 0
    while (headLength < BLOCK_SIZE) {
      const next = await iterator.next()
      if (next.done) break
      headChunks.push(next.value)
      headLength += next.value.length
    }
    const first = headLength > 0 ? Buffer.concat(headChunks) : undefined
    const startsLikeJson = first !== undefined && (first[0] === 0x7b || first[0] === 0x5b) // '{' or '['
    if (isJsonName || (!isLayerName && startsLikeJson && header.size <= maxJson && !isTarHeader(first))) {
      keptJson += header.size
      if (keptJson > maxTotalJson) {
        throw new DockerSaveError(`the archive's JSON members pass ${maxTotalJson} bytes at ${name}: too many configs and manifests for one docker save`)
      }
      json.set(name, await collect(withFirst(undefined, iterator), first, maxJson, `archive member ${name}`))
      continue
    }
    const records: LayerRecord[] = []
    try {
      if (options.records !== false) for await (const record of layerRecords(withFirst(first, iterator), options)) records.push(record)
    } catch (error) {
      throw new DockerSaveError(`archive member ${name}: ${(error as Error).message}`)
    }
    const layer: SavedLayer = { path: name, archiveSize: header.size, records }
    layers.set(name, layer)
    options.onLayer?.(layer)
  }
  // Repeated layers are links to the first copy (possibly through other links).
  for (const name of links.keys()) {
    let target: string | undefined = name
    for (let hops = 0; target !== undefined && !layers.has(target) && hops < 32; hops++) target = links.get(target)
    const layer = target === undefined ? undefined : layers.get(target)
    if (layer) layers.set(name, layer)
  }
  const manifestBytes = json.get('manifest.json')
  if (manifestBytes === undefined) throw new DockerSaveError('the archive has no manifest.json')
  return { manifest: parseSaveManifest(manifestBytes), json, layers }
}

export function parseSaveManifest(bytes: Buffer): SaveManifestItem[] {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new DockerSaveError('manifest.json is not JSON')
  }
  if (!Array.isArray(value)) throw new DockerSaveError('manifest.json is not a list of images')
  return value.map((raw: unknown, i): SaveManifestItem => {
    const item = raw as Partial<Record<keyof SaveManifestItem, unknown>> | null
    if (typeof item !== 'object' || item === null) throw new DockerSaveError(`manifest.json[${i}] is not an object`)
    if (typeof item.Config !== 'string') throw new DockerSaveError(`manifest.json[${i}].Config is not a path`)
    if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) {
      throw new DockerSaveError(`manifest.json[${i}].Layers is not a list of paths`)
    }
    const tags = Array.isArray(item.RepoTags) ? item.RepoTags.filter((t): t is string => typeof t === 'string') : []
    return { Config: item.Config, Layers: item.Layers as string[], RepoTags: tags }
  })
}

/** The parts of an image config a layer view needs. */
export interface SavedImageConfig {
  diffIds: string[]
  history: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[]
}

export function savedImageConfig(contents: DockerSaveContents, item: SaveManifestItem): SavedImageConfig | undefined {
  const bytes = contents.json.get(archivePath(item.Config) ?? item.Config)
  if (!bytes) return undefined
  try {
    const config = JSON.parse(bytes.toString('utf8')) as { rootfs?: { diff_ids?: unknown }; history?: unknown }
    const diffIds = Array.isArray(config.rootfs?.diff_ids) ? config.rootfs.diff_ids.filter((d): d is string => typeof d === 'string') : []
    const history = Array.isArray(config.history) ? (config.history as SavedImageConfig['history']) : []
    return { diffIds, history }
  } catch {
    return undefined
  }
}

/** Bytes of each layer member of one image (base first), as the archive holds them. */
export function savedLayerSizes(contents: DockerSaveContents, item: SaveManifestItem): number[] {
  return item.Layers.map((name, i) => {
    const layer = contents.layers.get(archivePath(name) ?? name)
    if (!layer) throw new DockerSaveError(`layer ${i + 1} (${name}) is missing from the archive`)
    return layer.archiveSize
  })
}

export interface SavedImageLayer {
  /** Archive path the layer was read from. */
  path: string
  diffId?: string
  archiveSize: number
  diff: LayerDiff
}

/**
 * Each layer of one image of the archive (base first), diffed against the layers below it,
 * from the records readDockerSave kept.
 */
export async function diffSavedImage(contents: DockerSaveContents, item: SaveManifestItem = contents.manifest[0] as SaveManifestItem): Promise<SavedImageLayer[]> {
  if (!item) throw new DockerSaveError('manifest.json lists no image')
  const config = savedImageConfig(contents, item)
  const stack = createLayerStack()
  const out: SavedImageLayer[] = []
  for (const [i, name] of item.Layers.entries()) {
    const layer = contents.layers.get(archivePath(name) ?? name)
    if (!layer) throw new DockerSaveError(`layer ${i + 1} (${name}) is missing from the archive`)
    const diff = await stack.apply(layer.records)
    const entry: SavedImageLayer = { path: name, archiveSize: layer.archiveSize, diff }
    const diffId = config?.diffIds[i]
    if (diffId !== undefined) entry.diffId = diffId
    out.push(entry)
  }
  return out
}
