import type { RootfsEntryType } from './rootfs-types'

/**
 * What one layer's snapshot holds, as the tar said it: every entry's type and metadata, the
 * whiteouts and the opaque directories. Written beside the extracted tree (`index.json`) so that
 * lookups never lstat the snapshot, and report the image's owners and modes however (and by
 * whom) the tree was extracted: a non-root extraction cannot chown, cannot create devices and
 * keeps files readable to itself, so the tree on disk is only trusted for file bytes.
 */
export interface IndexRecord {
  type: RootfsEntryType
  mode: number
  uid: number
  gid: number
  size: number
  mtime: number
  linkTarget?: string
  devMajor?: number
  devMinor?: number
  /** Values base64-encoded. */
  xattrs?: Record<string, string>
  /**
   * A directory the layer has no entry for, created only because entries below it needed a
   * parent. It is transparent in the merged view: its metadata comes from the layers below.
   */
  implicit?: true
}

export const INDEX_VERSION = 1

export interface IndexFile {
  version: typeof INDEX_VERSION
  diffId: string
  /** Clean layer paths ('etc/passwd', never the root '') → record, in tar order. */
  entries: [string, IndexRecord][]
  /** Paths whose lower-layer content this layer deletes (`.wh.<name>` markers). */
  whiteouts: string[]
  /** Directories whose lower-layer content this layer hides ('' is the root). */
  opaque: string[]
  /** Uncompressed tar bytes and regular-file bytes, for reports. */
  tarBytes: number
  fileBytes: number
}

/** One layer's snapshot, loaded for lookups. Paths are clean layer paths ('' is the root). */
export class LayerIndex {
  readonly records = new Map<string, IndexRecord>()
  /** Directory → names of the entries in it (markers excluded), unsorted. */
  readonly children = new Map<string, string[]>()
  readonly whiteouts: ReadonlySet<string>
  readonly opaque: ReadonlySet<string>
  readonly implicitDirs: string[] = []

  constructor(
    readonly diffId: string,
    /** The extracted tree: file bytes are at `<rootfsDir>/<path>`. */
    readonly rootfsDir: string,
    file: Pick<IndexFile, 'entries' | 'whiteouts' | 'opaque'>,
  ) {
    for (const [path, record] of file.entries) {
      this.records.set(path, record)
      if (record.implicit) this.implicitDirs.push(path)
      const slash = path.lastIndexOf('/')
      const parent = slash < 0 ? '' : path.slice(0, slash)
      const names = this.children.get(parent)
      if (names) names.push(path.slice(slash + 1))
      else this.children.set(parent, [path.slice(slash + 1)])
    }
    this.whiteouts = new Set(file.whiteouts)
    this.opaque = new Set(file.opaque)
  }

  get size(): number {
    return this.records.size
  }
}

/** Checks the shape of a parsed index.json; a snapshot with a bad index is re-extracted. */
export function parseIndexFile(text: string, diffId: string): IndexFile | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const file = value as Partial<IndexFile>
  if (file.version !== INDEX_VERSION || file.diffId !== diffId) return undefined
  if (!Array.isArray(file.entries) || !Array.isArray(file.whiteouts) || !Array.isArray(file.opaque)) return undefined
  return file as IndexFile
}

/** Code point order, which is the byte order of the UTF-8 names (Go's sort.Strings). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0
  // Plain comparison is UTF-16 order: it differs from code point order only past U+D7FF.
  if (!/[\ud800-\uffff]/.test(a) && !/[\ud800-\uffff]/.test(b)) return a < b ? -1 : 1
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
