// Access to images in the Docker daemon for the layer views, the image list, analysis and
// comparison: the daemon found by discovery, errors in the user's words (as ApiErrors), and the
// per-layer data read by streaming `docker save`.

import type Docker from 'dockerode'
import { ApiError } from '../../shared/errors'
import type { LayerDiff } from '../layers'
import { connectDaemon, DaemonUnavailableError } from './daemon-client'
import { listDaemonImages, openDaemonImage, type DaemonImageSummary, type DaemonImageView, type OpenDaemonImageOptions } from './daemon-image-view'
import { savedImageLayers, type SavedImageLayers } from './docker-built-layers'
import { DockerSaveError } from './docker-save-reader'

/**
 * Why a daemon image cannot be read, as the engine API reports it: `docker-unavailable` (no
 * daemon, or it stopped answering), `not-found` (the daemon has no such image) or `internal`.
 * `what`: "image busybox:1.36", "the daemon's images". Every call that reads a daemon image
 * goes through here, so each problem is worded once.
 */
function daemonProblem(error: unknown, what: string, host: string): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof DaemonUnavailableError) return new ApiError({ code: 'docker-unavailable', message: `${what}: ${error.message}` })
  const status = (error as { statusCode?: unknown }).statusCode
  if (status === 404) return new ApiError({ code: 'not-found', message: `${what} is not in the Docker daemon at ${host} (it may have been removed)` })
  if (error instanceof DockerSaveError || (error instanceof Error && error.name === 'TarFormatError')) {
    return new ApiError({ code: 'internal', message: `docker save of ${what} could not be read: ${error.message}` })
  }
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET') {
    return new ApiError({ code: 'docker-unavailable', message: `${what}: the Docker daemon at ${host} stopped answering (${code})` })
  }
  return new ApiError({ code: 'internal', message: `${what} could not be read from the Docker daemon at ${host}: ${(error as Error).message ?? String(error)}` })
}

/** An image of the daemon, as the layer views need it: its id, layers, sizes and history. */
export interface DaemonLayersImage extends SavedImageLayers {
  /** created_by of each layer, base first ('' when the history does not line up). */
  createdBy: string[]
}

/** Talks to the daemon discovery finds. Every method throws ApiError, worded for the user. */
export class DaemonImages {
  private connected: Promise<{ client: Docker; host: string }> | undefined
  /** Image ids are content digests: what was read of one never changes. */
  private readonly byId = new Map<string, DaemonLayersImage>()

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private async daemon(): Promise<{ client: Docker; host: string }> {
    this.connected ??= connectDaemon(this.env).then(({ client, status }) => ({ client, host: status.host }))
    try {
      return await this.connected
    } catch (error) {
      // Asked again next time: the daemon may have started since.
      this.connected = undefined
      throw error
    }
  }

  private async run<T>(what: string, work: (client: Docker, host: string) => Promise<T>): Promise<T> {
    let host = 'the Docker daemon'
    try {
      const daemon = await this.daemon()
      host = daemon.host
      return await work(daemon.client, daemon.host)
    } catch (error) {
      // A daemon that went away is looked for again on the next call.
      if ((error as NodeJS.ErrnoException).code !== undefined) this.connected = undefined
      throw daemonProblem(error, what, host)
    }
  }

  async list(): Promise<DaemonImageSummary[]> {
    return this.run("the Docker daemon's images", (client) => listDaemonImages(client))
  }

  /** The image's id, layers and tar sizes: one `docker save` pass that skips the layers' bytes. */
  async layers(ref: string): Promise<DaemonLayersImage> {
    return this.run(`image ${ref}`, async (client) => {
      const id = (await client.getImage(ref).inspect()).Id
      const known = this.byId.get(id)
      if (known) return known
      const saved = await savedImageLayers(client, id)
      const layered = saved.history.filter((row) => row.empty_layer !== true)
      const createdBy = saved.diffIds.map((_, i) => (layered.length === saved.diffIds.length ? (layered[i]?.created_by ?? '') : ''))
      const image: DaemonLayersImage = { ...saved, createdBy }
      this.byId.set(id, image)
      if (this.byId.size > 64) this.byId.delete(this.byId.keys().next().value ?? '')
      return image
    })
  }

  /** The image with its history and every layer's changes, from one streamed `docker save`. */
  async open(ref: string, options: OpenDaemonImageOptions = {}): Promise<DaemonImageView> {
    return this.run(`image ${ref}`, (client) => openDaemonImage(client, ref, options))
  }

  /** Every layer's changes, from one streamed `docker save` (file records only, no file data). */
  async diffs(ref: string): Promise<LayerDiff[]> {
    return (await this.open(ref)).layers.map((l) => l.diff)
  }
}
