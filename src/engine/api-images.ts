import type { ApiHandlers } from '../shared/contract'
import type { ImageListEntry } from '../shared/images-api'
import type { DaemonImages } from './docker/daemon-layers'
import { listImages, type Store } from './store'

type ImageHandlers = Pick<ApiHandlers, 'listImages'>

export interface ImageApiOptions {
  store: () => Promise<Store>
  daemon: DaemonImages
}

/** The store's index lists one entry per tag: one row per image, with all its tags. */
async function storeImages(store: Store): Promise<ImageListEntry[]> {
  const byDigest = new Map<string, ImageListEntry>()
  for (const summary of await listImages(store)) {
    const known = byDigest.get(summary.digest)
    const tag = summary.familiar ?? summary.reference
    if (known) {
      if (tag && !known.tags.includes(tag)) known.tags.push(tag)
      continue
    }
    byDigest.set(summary.digest, {
      source: 'store',
      ref: tag ?? summary.digest,
      id: summary.digest,
      tags: tag ? [tag] : [],
      size: summary.size,
      created: summary.created ?? '',
      ...(summary.error ? {} : { layers: summary.layers }),
    })
  }
  return [...byDigest.values()]
}

async function daemonImages(daemon: DaemonImages): Promise<ImageListEntry[]> {
  // list() throws ApiErrors already worded for the user.
  const images = await daemon.list()
  return images
    .sort((a, b) => b.created - a.created || a.id.localeCompare(b.id))
    .map((image) => ({
      source: 'docker',
      ref: image.repoTags[0] ?? image.id,
      id: image.id,
      tags: image.repoTags,
      size: image.size,
      created: image.created > 0 ? new Date(image.created * 1000).toISOString() : '',
    }))
}

/** The image list of either source, newest first. */
export function createImageApi(options: ImageApiOptions): { handlers: ImageHandlers } {
  return {
    handlers: {
      async listImages({ source }) {
        return source === 'docker' ? daemonImages(options.daemon) : storeImages(await options.store())
      },
    },
  }
}
