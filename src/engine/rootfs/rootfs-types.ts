/** The parent filesystem of a build step, as COPY/ADD/WORKDIR (and later RUN) see it. */

export type RootfsEntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo'

export interface RootfsEntry {
  /** Cleaned absolute container path as asked (`/usr/local/bin/x`; '.', '..', '//' and a trailing '/' cleaned away as Go's path.Clean does); '/' for the root. */
  path: string
  /**
   * Where the entry really is after following symlinks in the parents (and in the last component
   * when the lookup followed it): `/opt/bin/x` when `/usr/local` links to `/opt`.
   */
  realPath: string
  type: RootfsEntryType
  /** Permission bits incl. setuid/setgid/sticky (st_mode & 0o7777), as the image says. */
  mode: number
  /** Owners as the image says, whoever extracted the snapshot. */
  uid: number
  gid: number
  /** Bytes, for regular files; 0 otherwise. */
  size: number
  /** Whole seconds since the epoch (COPY --from keeps it). */
  mtime: number
  /** Symlinks only: the target exactly as stored. */
  linkTarget?: string
  /**
   * Regular files only: where the bytes are on disk, a file in an extracted snapshot. Read-only:
   * every build and view shares it (its on-disk owner and mode may differ from the image's).
   */
  hostPath?: string
  /** Character and block devices. */
  devMajor?: number
  devMinor?: number
  /** Extended attributes the layer carried (e.g. security.capability); absent when none. */
  xattrs?: Record<string, Buffer>
}

export interface RootfsView {
  readonly diffIds: readonly string[]
  /** Extracted snapshot directories, lowest layer first: the lowerdirs a RUN executor mounts. */
  readonly snapshotDirs: readonly string[]
  /**
   * Like lstat on the merged filesystem; symlinks in parent components are followed inside the
   * rootfs (never outside), the final component only when followFinal. Undefined when missing
   * (also when a parent is not a directory, where lstat says ENOTDIR). Throws RootfsError ELOOP
   * after 40 symlinks, as Linux does.
   */
  lookup(path: string, opts?: { followFinal?: boolean }): Promise<RootfsEntry | undefined>
  /**
   * Merged directory listing (names, sorted bytewise), whiteouts and opaque dirs applied. Like
   * readdir(2) the path is followed through symlinks, the last component too. Throws RootfsError
   * ENOENT / ENOTDIR.
   */
  readdir(path: string): Promise<string[]>
  /**
   * Recursive walk below path (depth-first, names sorted bytewise, parents before children),
   * entries as lookup returns them. `path` itself is followed if it is a symlink (a COPY source
   * is) and is not yielded; yielded paths are `path` + the names below it, never resolved
   * spellings. Symlinks below are yielded, not followed. Nothing when path is missing or not a
   * directory.
   */
  walk(path: string): AsyncGenerator<RootfsEntry>
  /** Whole small file (e.g. /etc/passwd), following symlinks; undefined when missing. */
  readFile(path: string): Promise<Buffer | undefined>
}

export type RootfsErrorCode = 'ENOENT' | 'ENOTDIR' | 'ELOOP' | 'EISDIR' | 'EINVAL' | 'EFBIG'

/** A lookup failure on the merged filesystem, with the errno a real filesystem would give. */
export class RootfsError extends Error {
  override readonly name = 'RootfsError'

  constructor(
    readonly code: RootfsErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`)
  }
}
