import type { StepStatus } from './build-events'
import { hasKeys, hasOnlyKeys, isRecord, isText } from './guards'
import { isBuildId } from './project-api'

/**
 * The layer calls of the contract: an image's layers (sizes, the instruction that made each,
 * cached or rebuilt) and one layer's changed files. The image is named by a build (its result,
 * wherever it was built), by a reference the store knows (`app:1`, `sha256:…`), or by a reference
 * the Docker daemon knows (`busybox:1.36`, an image id), also images not built here.
 */

export type ImageSelector = { buildId: string } | { image: string } | { daemonImage: string }

export type ImageLayersArgs = ImageSelector
export type LayerFileTreeArgs = ImageSelector & { layer: number }

/** Where a layer came from: a step of this build (from the cache or run), or the base image. */
export type LayerOrigin = 'cached' | 'built' | 'base'

export interface ImageLayerStep {
  id: string
  instruction: string
  /** 1-based line of the instruction in the Dockerfile. */
  line: number
  status: StepStatus
}

export interface ImageLayer {
  /** 0 = the bottom (base) layer. */
  index: number
  diffId: string
  /**
   * The blob digest as stored (compressed). Absent for images in the Docker daemon, which keeps
   * layers uncompressed and only compresses them on push.
   */
  digest?: string
  /**
   * Uncompressed bytes of the layer tar, as the build's step events carry them (base layers are
   * measured the same way), so the parts add up to the image. For Docker daemon images this is
   * measured the same way (the tar `docker save` exports), not `docker history`'s size, which
   * counts file bytes only and so is a little smaller.
   */
  size: number
  /** The image history's created_by for this layer ('' when the history has none). */
  createdBy: string
  origin: LayerOrigin
  /** Set when a step of the build made (or took from the cache) this layer. */
  step?: ImageLayerStep
}

export interface ImageLayersView {
  /** The manifest digest (store images) or the image id (Docker daemon images). */
  image: string
  /** The build asked about, if one was. */
  buildId?: string
  /** The sum of the layer sizes. */
  totalSize: number
  layers: ImageLayer[]
}

export type LayerFileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo'
export type LayerFileChange = 'added' | 'modified' | 'removed'

/** One path the layer changed, as the layer leaves it (or, when removed, as it was below). */
export interface LayerFileEntry {
  /** Relative, '/'-separated, no trailing slash. */
  path: string
  change: LayerFileChange
  type: LayerFileType
  mode: number
  uid: number
  gid: number
  /** Bytes of file data (removed: the bytes it had). */
  size: number
  linkTarget?: string
  /** A parent directory the layer does not name but needs. */
  implicit?: true
}

export interface LayerFileTree {
  index: number
  diffId: string
  /** Every changed path, parents before children. */
  entries: LayerFileEntry[]
  /** Members of the layer tar (whiteouts included). */
  entryCount: number
}

/** An image reference or digest: anything a tag may be, bar NUL and whitespace. */
const isImageRef = (v: unknown): v is string => isText(v, 512) && !/\s/.test(v)
/**
 * A reference the Docker daemon is asked about. It becomes part of an API path (`/images/<ref>/json`),
 * so only the characters of a reference or an image id are allowed, and no `..` segment that
 * would climb to another endpoint.
 */
export const isDaemonImageRef = (v: unknown): v is string =>
  isText(v, 512) && /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/.test(v) && !v.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')
const isLayerIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 10_000

function isSelector(value: Record<string, unknown>, extra: Record<string, (v: unknown) => boolean>): boolean {
  const named = [value.buildId, value.image, value.daemonImage].filter((v) => v !== undefined)
  if (named.length !== 1) return false
  return hasOnlyKeys(value, { buildId: isBuildId, image: isImageRef, daemonImage: isDaemonImageRef, ...extra })
}

export function isImageLayersArgs(value: unknown): value is ImageLayersArgs {
  return isRecord(value) && isSelector(value, {})
}

export function isLayerFileTreeArgs(value: unknown): value is LayerFileTreeArgs {
  return isRecord(value) && hasKeys(value, ['layer']) && isSelector(value, { layer: isLayerIndex })
}

export type { LayerFileKind, LayerFileRowChange, LayerFileTable } from './layer-file-table'
