import { createHash } from 'node:crypto'
import type { CompareFileChange, CompareFileSide, CompareFiles, FileDifference } from '../../shared/compare-api'
import { TarFormatError, classifyWhiteout, compareLayerPaths, readLayer, type ByteSource, type LayerDiff } from '../layers'
import { cleanArchivePath, parentPath } from '../layers/layer-paths'

/**
 * One layer reduced to what a comparison needs per path: metadata and a SHA-256 of the data,
 * hashed while the layer streams past (the data itself is never kept). A few hundred bytes per
 * path, so a layer of 100,000 files stays in the tens of megabytes.
 */
export interface FileRecord extends CompareFileSide {
  /** Hex SHA-256 of a regular file's data; absent when the source gives no data. */
  hash?: string
  /** A digest of the extended attributes, when there are any. */
  xattrs?: string
}

export type LayerFileIndex = Map<string, FileRecord>

function xattrDigest(xattrs: Record<string, Buffer>): string | undefined {
  const names = Object.keys(xattrs).sort()
  if (names.length === 0) return undefined
  const hash = createHash('sha256')
  for (const name of names) hash.update(name).update('\0').update(xattrs[name] as Buffer).update('\0')
  return hash.digest('hex').slice(0, 16)
}

/** Streams a layer blob (gzipped or plain) once and indexes its paths. */
export async function indexLayerFiles(source: ByteSource): Promise<LayerFileIndex> {
  const index: LayerFileIndex = new Map()
  for await (const { header, body } of readLayer(source)) {
    const path = cleanArchivePath(header.name)
    if (path === undefined) throw new TarFormatError(`layer entry ${JSON.stringify(header.name)} climbs out of the root`)
    if (path === '') continue
    const whiteout = classifyWhiteout(path)
    if (whiteout?.kind === 'meta') continue
    if (whiteout?.kind === 'whiteout') {
      index.set(whiteout.target, { type: 'whiteout', mode: 0, uid: 0, gid: 0, size: 0 })
      continue
    }
    if (whiteout?.kind === 'opaque') {
      // Keyed by the marker: the directory itself usually has an entry of its own.
      index.set(path, { type: 'opaque', mode: 0, uid: 0, gid: 0, size: 0 })
      continue
    }
    const record: FileRecord = { type: header.type, mode: header.mode, uid: header.uid, gid: header.gid, size: header.size, mtime: header.mtime }
    if (header.linkname !== undefined) {
      record.linkTarget = header.type === 'hardlink' ? (cleanArchivePath(header.linkname) ?? header.linkname) : header.linkname
    }
    const xattrs = xattrDigest(header.xattrs)
    if (xattrs !== undefined) record.xattrs = xattrs
    if (header.type === 'file') {
      const hash = createHash('sha256')
      for await (const chunk of body) hash.update(chunk)
      record.hash = hash.digest('hex')
    }
    index.set(path, record)
  }
  return index
}

/**
 * The paths a layer holds, rebuilt from its diff against the layers below (what a daemon's
 * `docker save` reading gives): no data hashes and no mtimes. A removed path whose parent is
 * not removed too was a whiteout; the rest of a removed subtree came along with it.
 */
export function indexFromLayerDiff(diff: LayerDiff): LayerFileIndex {
  const index: LayerFileIndex = new Map()
  const removed = new Set(diff.changes.filter((c) => c.change === 'removed').map((c) => c.path))
  for (const change of diff.changes) {
    if (change.implicit) continue
    if (change.change === 'removed') {
      if (!removed.has(parentPath(change.path))) index.set(change.path, { type: 'whiteout', mode: 0, uid: 0, gid: 0, size: 0 })
      continue
    }
    const entry = change.entry
    if (!entry) continue
    const record: FileRecord = { type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, size: entry.size }
    if (entry.linkTarget !== undefined) record.linkTarget = entry.linkTarget
    index.set(change.path, record)
  }
  return index
}

/** What differs between two records of one path; mtime only when both sides know it. */
export function fileDifferences(a: FileRecord, b: FileRecord): FileDifference[] {
  const out: FileDifference[] = []
  if (a.type !== b.type) out.push('type')
  if (a.mode !== b.mode) out.push('mode')
  if (a.uid !== b.uid || a.gid !== b.gid) out.push('owner')
  if (a.size !== b.size) out.push('size')
  if (a.hash !== undefined && b.hash !== undefined && a.hash !== b.hash) out.push('content')
  if (a.linkTarget !== b.linkTarget) out.push('link')
  if (a.xattrs !== b.xattrs) out.push('xattrs')
  if (a.mtime !== undefined && b.mtime !== undefined && a.mtime !== b.mtime) out.push('mtime')
  return out
}

function side(record: FileRecord): CompareFileSide {
  const out: CompareFileSide = { type: record.type, mode: record.mode, uid: record.uid, gid: record.gid, size: record.size }
  if (record.mtime !== undefined) out.mtime = record.mtime
  if (record.linkTarget !== undefined) out.linkTarget = record.linkTarget
  return out
}

const dataBytes = (record: FileRecord | undefined): number => (record?.type === 'file' ? record.size : 0)
const ORDER: Record<CompareFileChange['change'], number> = { changed: 0, added: 1, removed: 2, 'mtime-only': 3 }

/** The paths B's layer has, lacks or holds differently from A's, at most `limit` listed. */
export function diffFileIndexes(a: LayerFileIndex, b: LayerFileIndex, limit: number): CompareFiles {
  const changes: CompareFileChange[] = []
  const counts = { added: 0, removed: 0, changed: 0, mtimeOnly: 0 }
  let sizeDelta = 0
  for (const [path, before] of a) {
    const after = b.get(path)
    if (!after) {
      counts.removed++
      sizeDelta -= dataBytes(before)
      changes.push({ path, change: 'removed', a: side(before) })
      continue
    }
    const differences = fileDifferences(before, after)
    if (differences.length === 0) continue
    const mtimeOnly = differences.length === 1 && differences[0] === 'mtime'
    if (mtimeOnly) counts.mtimeOnly++
    else {
      counts.changed++
      sizeDelta += dataBytes(after) - dataBytes(before)
    }
    changes.push({ path, change: mtimeOnly ? 'mtime-only' : 'changed', a: side(before), b: side(after), differences })
  }
  for (const [path, after] of b) {
    if (a.has(path)) continue
    counts.added++
    sizeDelta += dataBytes(after)
    changes.push({ path, change: 'added', b: side(after) })
  }
  changes.sort((x, y) => ORDER[x.change] - ORDER[y.change] || compareLayerPaths(x.path, y.path))
  const entries = changes.slice(0, limit)
  return { counts, entries, more: changes.length - entries.length, sizeDelta }
}
