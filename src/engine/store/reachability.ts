import path from 'node:path'
import { listBuildIds, readBuild } from './build-records'
import { cacheEntryPath, listCacheKeys, readCacheEntry } from './cache-index'
import { entryReference } from './images'
import { readIndex } from './oci-layout'
import { asIndex, asManifest, isIndexDocument } from './oci-types'
import type { Store } from './store'
import { StoreError } from './store-errors'

/** Where a reference to a blob starts: a manifest is followed to what it references, a plain blob is not. */
export interface Root {
  digest: string
  kind: 'manifest' | 'blob'
  /** The size the referrer claims, checked against the file. */
  size?: number
  /** Who refers to it, for messages: `index.json (docker.io/library/app:latest)`. */
  from: string
  /** The file holding the reference. */
  file: string
}

export type GraphProblemKind = 'bad-metadata' | 'missing-blob' | 'size-mismatch' | 'corrupt-blob'

export interface GraphProblem {
  kind: GraphProblemKind
  path: string
  message: string
  digest?: string
}

export interface Reachability {
  /** Every digest referenced from a root, directly or through manifests, with its first referrer. */
  reachable: Map<string, string>
  problems: GraphProblem[]
}

/**
 * Everything that keeps blobs alive: index.json's manifests, cache entries' layers, build
 * records' result images. `skipCache` leaves the cache entries out (prune dropping the cache).
 */
export async function collectRoots(store: Store, options: { skipCache?: boolean } = {}): Promise<{ roots: Root[]; problems: GraphProblem[] }> {
  const roots: Root[] = []
  const problems: GraphProblem[] = []
  const { paths } = store
  const report = (file: string, error: unknown): void => {
    problems.push({ kind: 'bad-metadata', path: file, message: error instanceof Error ? error.message : String(error) })
  }

  try {
    for (const d of (await readIndex(store)).manifests) {
      roots.push({ digest: d.digest, kind: 'manifest', size: d.size, from: `index.json (${entryReference(d) ?? d.digest})`, file: paths.index })
    }
  } catch (error) {
    report(paths.index, error)
  }

  if (!options.skipCache) {
    for (const key of await listCacheKeys(store)) {
      const file = cacheEntryPath(store, key)
      try {
        const entry = await readCacheEntry(store, key)
        if (entry.layer) roots.push({ digest: entry.layer.digest, kind: 'blob', size: entry.layer.size, from: `cache entry ${key}`, file })
      } catch (error) {
        if (!(error instanceof StoreError && error.code === 'not-found')) report(file, error)
      }
    }
  }

  for (const id of await listBuildIds(store)) {
    const file = path.join(paths.builds, `${id}.json`)
    try {
      const result = (await readBuild(store, id)).result
      if (result?.imageDigest) roots.push({ digest: result.imageDigest, kind: 'manifest', from: `build ${id}`, file })
      if (result?.configDigest) roots.push({ digest: result.configDigest, kind: 'blob', from: `build ${id}`, file })
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'not-found')) report(file, error)
    }
  }
  return { roots, problems }
}

/** Marks from the roots through image indexes and manifests to configs and layers. */
export async function walkReferences(store: Store, roots: Root[]): Promise<Reachability> {
  const reachable = new Map<string, string>()
  const problems: GraphProblem[] = []
  // Actual sizes (null: missing), so every reference's claimed size is checked, not just the first.
  const sizes = new Map<string, number | null>()
  const expanded = new Set<string>()
  const queue = [...roots].reverse()
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    let size = sizes.get(item.digest)
    if (size === undefined) {
      reachable.set(item.digest, item.from)
      size = await sizeOrNull(store, item.digest)
      sizes.set(item.digest, size)
      if (size === null) {
        problems.push({ kind: 'missing-blob', path: item.file, digest: item.digest, message: `${item.from} references ${item.digest}, which is not in the store` })
      }
    }
    if (size === null) continue
    if (item.size !== undefined && item.size !== size) {
      problems.push({
        kind: 'size-mismatch',
        path: item.file,
        digest: item.digest,
        message: `${item.from} says ${item.digest} has ${item.size} bytes; the blob has ${size}`,
      })
    }
    if (item.kind !== 'manifest' || expanded.has(item.digest)) continue
    expanded.add(item.digest)

    const file = store.blobPath(item.digest)
    try {
      const document = await store.readJson<unknown>(item.digest)
      if (isIndexDocument(document)) {
        for (const child of asIndex(document, `image index ${item.digest}`).manifests.slice().reverse()) {
          queue.push({ digest: child.digest, kind: 'manifest', size: child.size, from: `image index ${item.digest}`, file })
        }
      } else {
        const manifest = asManifest(document, `manifest ${item.digest}`)
        const from = `manifest ${item.digest}`
        for (const layer of manifest.layers.slice().reverse()) queue.push({ digest: layer.digest, kind: 'blob', size: layer.size, from, file })
        queue.push({ digest: manifest.config.digest, kind: 'blob', size: manifest.config.size, from, file })
      }
    } catch (error) {
      if (!(error instanceof StoreError)) throw error
      problems.push({ kind: 'corrupt-blob', path: file, digest: item.digest, message: `${item.from} references ${item.digest}, which cannot be read as a manifest: ${error.message}` })
    }
  }
  return { reachable, problems }
}

async function sizeOrNull(store: Store, digest: string): Promise<number | null> {
  try {
    return await store.blobSize(digest)
  } catch (error) {
    if (error instanceof StoreError && (error.code === 'not-found' || error.code === 'invalid-digest')) return null
    throw error
  }
}
