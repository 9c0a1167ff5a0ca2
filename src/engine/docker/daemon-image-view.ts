import type Docker from 'dockerode'
import type { LayerDiff } from '../layers'
import { DockerSaveError, diffSavedImage, readDockerSave, savedImageConfig, type DockerSaveContents, type SaveManifestItem } from './docker-save-reader'

/** One image in the daemon's list (`docker images`). */
export interface DaemonImageSummary {
  id: string
  repoTags: string[]
  repoDigests: string[]
  /** Bytes, as the daemon reports them. */
  size: number
  /** Unix seconds. */
  created: number
}

/** One row of an image's history, base first (as `docker history` shows it, reversed). */
export interface DaemonHistoryRow {
  /** The image ID for rows that are an image of their own, '<missing>' otherwise. */
  id: string
  /** Unix seconds. */
  created: number
  createdBy: string
  comment: string
  tags: string[]
  /** Bytes of the row's layer (0 for empty layers), as `docker history` reports it. */
  size: number
  emptyLayer: boolean
  /** Index into `layers` for rows that made a layer. */
  layerIndex?: number
}

export interface DaemonImageLayer {
  index: number
  /** The history row that made this layer, when the history lines up with the layers. */
  historyIndex?: number
  diffId?: string
  /** Bytes the daemon reports for the layer (from the history row). */
  size?: number
  /** Bytes of the layer member in the `docker save` archive. */
  archiveSize: number
  createdBy?: string
  diff: LayerDiff
}

export interface DaemonImageView {
  ref: string
  id: string
  repoTags: string[]
  history: DaemonHistoryRow[]
  layers: DaemonImageLayer[]
}

export interface OpenDaemonImageOptions {
  signal?: AbortSignal
  /** Called as each layer member of the archive has been read. */
  onLayer?: (archivePath: string, records: number) => void
  /** false: read only the sizes and configs (the layers' bytes are skipped). */
  records?: boolean
}

interface ApiHistoryRow {
  Id?: string
  Created?: number
  CreatedBy?: string
  Tags?: string[] | null
  Size?: number
  Comment?: string
}

export async function listDaemonImages(client: Docker): Promise<DaemonImageSummary[]> {
  const images = await client.listImages()
  return images.map((image) => ({
    id: image.Id,
    repoTags: (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    repoDigests: (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
    size: image.Size,
    created: image.Created,
  }))
}

/**
 * An image's history rows, base first. Which rows are empty layers is not in the API's answer:
 * when the rows with a size account for every layer, the rest are empty; otherwise a zero size
 * is taken as empty until openDaemonImage corrects it from the image config.
 */
export async function daemonImageHistory(client: Docker, ref: string): Promise<{ id: string; repoTags: string[]; diffIds: string[]; history: DaemonHistoryRow[] }> {
  const image = client.getImage(ref)
  const [inspect, raw] = await Promise.all([image.inspect(), image.history() as Promise<ApiHistoryRow[]>])
  const history = [...raw].reverse().map(
    (row): DaemonHistoryRow => ({
      id: row.Id ?? '<missing>',
      created: row.Created ?? 0,
      createdBy: row.CreatedBy ?? '',
      comment: row.Comment ?? '',
      tags: row.Tags ?? [],
      size: row.Size ?? 0,
      emptyLayer: (row.Size ?? 0) === 0,
    }),
  )
  const diffIds = inspect.RootFS?.Layers ?? []
  assignLayers(history, diffIds.length)
  return { id: inspect.Id, repoTags: inspect.RepoTags ?? [], diffIds, history }
}

/** Numbers the non-empty rows; when they do not match the layer count, leaves them unnumbered. */
function assignLayers(history: DaemonHistoryRow[], layerCount: number): void {
  for (const row of history) delete row.layerIndex
  if (history.filter((r) => !r.emptyLayer).length !== layerCount) return
  let next = 0
  for (const row of history) if (!row.emptyLayer) row.layerIndex = next++
}

/**
 * Opens any image the daemon has (built here or not): its history, and per-layer file trees from
 * a streamed `docker save` — each layer reduced to its file records as it passes, the archive
 * never held — diffed layer by layer and aligned with the history's non-empty rows.
 */
export async function openDaemonImage(client: Docker, ref: string, options: OpenDaemonImageOptions = {}): Promise<DaemonImageView> {
  const { id, repoTags, diffIds, history } = await daemonImageHistory(client, ref)
  options.signal?.throwIfAborted()
  const contents = await streamSave(client, ref, options)
  const item = pickImage(contents.manifest, id, ref)
  const config = savedImageConfig(contents, item)
  // The config's history says exactly which rows are empty layers; the API rows mirror it.
  if (config && config.history.length === history.length) {
    config.history.forEach((h, i) => {
      const row = history[i]
      if (row) row.emptyLayer = h.empty_layer === true
    })
  }
  assignLayers(history, item.Layers.length)
  const saved = await diffSavedImage(contents, item)
  const layers = saved.map((layer, index): DaemonImageLayer => {
    const out: DaemonImageLayer = { index, archiveSize: layer.archiveSize, diff: layer.diff }
    const diffId = layer.diffId ?? diffIds[index]
    if (diffId !== undefined) out.diffId = diffId
    const historyIndex = history.findIndex((row) => row.layerIndex === index)
    const row = history[historyIndex]
    if (row) {
      out.historyIndex = historyIndex
      out.size = row.size
      out.createdBy = row.createdBy
    }
    return out
  })
  return { ref, id, repoTags, history, layers }
}

/** Streams `docker save` of one image through readDockerSave; the archive is never held. */
export async function streamSave(client: Docker, ref: string, options: OpenDaemonImageOptions): Promise<DockerSaveContents> {
  const stream = (await client.getImage(ref).get()) as NodeJS.ReadableStream & AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void }
  const abort = (): void => stream.destroy?.(new Error('aborted'))
  options.signal?.addEventListener('abort', abort, { once: true })
  try {
    const onLayer = options.onLayer
    return await readDockerSave(stream, {
      ...(onLayer ? { onLayer: (layer) => onLayer(layer.path, layer.records.length) } : {}),
      ...(options.records === false ? { records: false } : {}),
    })
  } catch (error) {
    options.signal?.throwIfAborted()
    throw error
  } finally {
    options.signal?.removeEventListener('abort', abort)
    stream.destroy?.()
  }
}

/** The manifest item for the image asked for: by config digest, then by tag, else the only one. */
export function pickImage(manifest: SaveManifestItem[], id: string, ref: string): SaveManifestItem {
  const hex = id.replace(/^sha256:/, '')
  const byConfig = manifest.find((m) => m.Config === `${hex}.json` || m.Config === `blobs/sha256/${hex}`)
  const byTag = manifest.find((m) => m.RepoTags.includes(ref) || m.RepoTags.includes(`${ref}:latest`))
  const item = byConfig ?? byTag ?? (manifest.length === 1 ? manifest[0] : undefined)
  if (!item) throw new DockerSaveError(`docker save of ${ref} holds no image with ID ${id}`)
  return item
}
