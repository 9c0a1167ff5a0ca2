// One build's view of its context: the .dockerignore that applies, the entries BuildKit would
// receive, and content digests for COPY/ADD sources backed by a persistent stat cache.

import { createHash } from 'node:crypto'
import type { DigestCounters } from './content-digest'
import { ContentDigester } from './content-digest'
import { ContextTree } from './context-tree'
import type { ContextEntry } from './context-walk'
import { resolveContextRoot, walkContext } from './context-walk'
import type { CopySelection, CopySourceOptions } from './copy-sources'
import { selectCopySources } from './copy-sources'
import type { DockerignoreFile } from './dockerignore'
import { loadDockerignore } from './dockerignore'
import type { FileHasher, FileReader } from './file-hasher'
import { createStreamHasher } from './file-hasher'
import type { Selector } from './selection-digest'
import { pathDigest, selectionDigest } from './selection-digest'
import { StatCache } from './stat-cache'
import type { Ownership } from './tarsum-header'
import { createWorkerHasher } from './worker-hasher'

export interface OpenContextOptions {
  readonly contextDir: string
  /** The Dockerfile (absolute or relative to the context) for `<Dockerfile>.dockerignore`. */
  readonly dockerfilePath?: string
  /** Use these patterns instead of reading any .dockerignore. */
  readonly excludePatterns?: readonly string[]
  /**
   * 'reset' (default): owners enter digests as 0:0, because the docker CLI and buildx send
   * context files as root-owned; 'preserve' hashes the real uid/gid.
   */
  readonly ownership?: Ownership
  /** JSON file remembering file digests by stat between builds (created if missing). */
  readonly statCachePath?: string
  /**
   * Files changed this recently before being hashed are not remembered (default 2000 ms, for
   * filesystems with coarse timestamps); tests that hash files they just wrote lower it.
   */
  readonly racyWindowMs?: number
  /** Hashes file contents; default: worker threads (or a stream hasher if `fileReader` is set). */
  readonly hasher?: FileHasher
  /** Reads files on the calling thread instead of in workers (tests count reads with it). */
  readonly fileReader?: FileReader
}

export interface CopySourcesDigest {
  /** What a COPY/ADD cache key uses as the content of its source input. */
  readonly digest: string
  /** BuildKit's selector digest: the source paths themselves (sorted, reversed, NUL-joined). */
  readonly selectorDigest: string
  /** Per deduplicated selector, for explaining a cache miss. */
  readonly parts: readonly { readonly path: string; readonly digest: string }[]
}

export class BuildContext {
  private constructor(
    /** The context directory with symlinks resolved. */
    readonly root: string,
    readonly dockerignore: DockerignoreFile,
    readonly tree: ContextTree,
    readonly ownership: Ownership,
    private readonly digester: ContentDigester,
    private readonly hasher: FileHasher,
    private readonly ownsHasher: boolean,
    private readonly statCache: StatCache | null,
  ) {}

  static async open(opts: OpenContextOptions): Promise<BuildContext> {
    const root = await resolveContextRoot(opts.contextDir)
    const ownership = opts.ownership ?? 'reset'
    const dockerignore: DockerignoreFile =
      opts.excludePatterns !== undefined
        ? { path: null, source: 'none', patterns: [...opts.excludePatterns] }
        : await loadDockerignore({ contextDir: root, dockerfilePath: opts.dockerfilePath })
    const [entries, statCache] = await Promise.all([
      walkContext(root, { excludePatterns: dockerignore.patterns }),
      opts.statCachePath === undefined
        ? null
        : StatCache.load(
            opts.statCachePath,
            ownership,
            opts.racyWindowMs === undefined ? undefined : BigInt(Math.round(opts.racyWindowMs * 1e6)),
          ),
    ])
    const tree = new ContextTree(entries)
    const ownsHasher = opts.hasher === undefined
    const hasher =
      opts.hasher ?? (opts.fileReader !== undefined ? createStreamHasher({ reader: opts.fileReader }) : createWorkerHasher())
    const digester = new ContentDigester({ root, tree, ownership, hasher, statCache: statCache ?? undefined })
    return new BuildContext(root, dockerignore, tree, ownership, digester, hasher, ownsHasher, statCache)
  }

  /** Every entry BuildKit would receive, in its order. */
  get entries(): readonly ContextEntry[] {
    return this.tree.entries
  }

  /** Files hashed vs. taken from the stat cache so far. */
  get counters(): Readonly<DigestCounters> {
    return this.digester.counters
  }

  /** The entries a COPY/ADD with these sources copies (throws CopySourceError). */
  selectCopySources(sources: readonly string[], opts: CopySourceOptions = {}): CopySelection {
    return selectCopySources(this.tree, sources, opts)
  }

  /** The content digest of COPY/ADD sources, as BuildKit computes it for the cache key. */
  async digestCopySources(sources: readonly string[], opts: { exclude?: readonly string[] } = {}): Promise<CopySourcesDigest> {
    const selection = this.selectCopySources(sources, { exclude: opts.exclude })
    return this.digestSelectors(selection.selectors)
  }

  async digestSelectors(selectors: readonly Selector[]): Promise<CopySourcesDigest> {
    const { digest, parts } = await selectionDigest(this.digester, selectors)
    const paths = selectors.map((s) => s.path).sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)))
    const selectorDigest = `sha256:${createHash('sha256').update(paths.join('\0')).digest('hex')}`
    return { digest, selectorDigest, parts: parts.map((p) => ({ path: p.selector.path, digest: p.digest })) }
  }

  /** The digest of one path (a directory's is recursive), symlinks followed unless told not to. */
  digestPath(relPath: string, opts: { followSymlinks?: boolean } = {}): Promise<string> {
    try {
      return Promise.resolve(this.knownDigestOrPromise(relPath, opts))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * digestPath, but the digest itself when it is already known (digested before, or every file
   * below it in the stat cache): a COPY's per-file map asks for 20,000 digests right after the
   * whole selection was digested, and one promise each would cost more than the lookups.
   */
  knownDigestOrPromise(relPath: string, opts: { followSymlinks?: boolean } = {}): string | Promise<string> {
    // Callers mostly pass paths the walk produced: such a path has only real directories above
    // it, so unless it is itself a symlink to follow, it needs no resolving segment by segment.
    const direct = relPath === '' ? undefined : this.tree.get(relPath)
    if (direct !== undefined && (direct.type !== 'symlink' || opts.followSymlinks === false)) return this.digester.digestOf(direct)
    return pathDigest(this.digester, '/' + relPath, opts.followSymlinks ?? true)
  }

  /** Persists the stat cache (no-op without `statCachePath`). */
  async saveStatCache(): Promise<void> {
    await this.statCache?.save(this.tree.entries)
  }

  /** Saves the stat cache and stops the hashing workers this context started. */
  async close(): Promise<void> {
    await this.saveStatCache()
    if (this.ownsHasher) await this.hasher.close()
  }
}

/** Opens a build context: picks the .dockerignore, walks, and prepares digests. */
export function openBuildContext(opts: OpenContextOptions): Promise<BuildContext> {
  return BuildContext.open(opts)
}
