/** What the lint costs keep of a layer blob: its file list, which never changes for a digest. */
export interface LayerScan {
  /** Regular files and their sizes (hard links are left out: their bytes are stored once). */
  readonly files: ReadonlyMap<string, number>
  /** Paths the layer deletes (whiteout targets) and directories it makes opaque. */
  readonly deleted: readonly string[]
}

const entriesOf = (scan: LayerScan): number => scan.files.size + scan.deleted.length

/**
 * Layer scans by blob digest, least recently used dropped first once the kept scans hold more
 * than `maxEntries` paths together: a count of layers says nothing about memory when one base
 * layer lists 50,000 files and a COPY layer one.
 */
export class LayerScanCache {
  private readonly scans = new Map<string, { scan: Promise<LayerScan>; entries: number }>()
  private entries = 0

  constructor(readonly maxEntries = 200_000) {}

  /** Paths held by the scans kept (scans still reading count once they finish). */
  get size(): number {
    return this.entries
  }

  has(digest: string): boolean {
    return this.scans.has(digest)
  }

  /** The kept scan of `digest`, else `read()`'s, kept once it succeeds (a failure is asked again). */
  scan(digest: string, read: () => Promise<LayerScan>): Promise<LayerScan> {
    const known = this.scans.get(digest)
    if (known) {
      this.scans.delete(digest)
      this.scans.set(digest, known)
      return known.scan
    }
    const kept = { scan: read(), entries: 0 }
    this.scans.set(digest, kept)
    kept.scan.then(
      (scan) => {
        if (this.scans.get(digest) !== kept) return
        kept.entries = entriesOf(scan)
        this.entries += kept.entries
        this.evict(digest)
      },
      () => {
        if (this.scans.get(digest) === kept) this.scans.delete(digest)
      },
    )
    return kept.scan
  }

  /** Drops the oldest scans until the rest fit; the one just read stays even if alone too big. */
  private evict(keep: string): void {
    for (const [digest, kept] of this.scans) {
      if (this.entries <= this.maxEntries) return
      if (digest === keep) continue
      this.scans.delete(digest)
      this.entries -= kept.entries
    }
  }
}
