// The per-file header BuildKit hashes ahead of a file's content (cache/contenthash filehash.go
// NewFromStat + tarsum.go WriteV1TarsumHeaders): the tar header of the file with an empty name,
// reduced to `key+value` pairs in a fixed order. mtime is deliberately not among them, so
// touching a file never changes its digest; mode, owner, size, type and link target do.

import { createHash } from 'node:crypto'
import type { ContextEntry } from './context-walk'

/** How owners enter digests: the docker CLI and buildx send context files as 0:0. */
export type Ownership = 'reset' | 'preserve'

const TYPEFLAG: Record<ContextEntry['type'], string> = {
  file: '0',
  // fsutil clears the socket bit, so a socket is hashed as an (empty) regular file.
  socket: '0',
  dir: '5',
  symlink: '2',
  char: '3',
  block: '4',
  fifo: '6',
}

/** Linux major/minor as fsutil computes them from st_rdev. */
function devNumbers(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev)
  return {
    major: Number((dev >> 8n) & 0xfffn),
    minor: Number((dev & 0xffn) | ((dev >> 12n) & 0xfff00n)),
  }
}

/**
 * The header for one entry, as text (hashed as UTF-8). No xattrs: Node cannot read them, see
 * the notes in index.ts. A string, not bytes, because small Buffers share an 8 KiB pool slab
 * that structured cloning to a hashing worker would copy whole.
 */
export function tarsumHeader(entry: ContextEntry, ownership: Ownership): string {
  // tar.FileInfoHeader keeps permission, setuid, setgid and sticky bits; symlinks are 0777.
  const mode = entry.type === 'symlink' ? entry.mode | 0o777 : entry.mode
  const device = entry.type === 'char' || entry.type === 'block'
  const { major, minor } = device ? devNumbers(entry.rdev) : { major: 0, minor: 0 }
  const uid = ownership === 'reset' ? 0 : entry.uid
  const gid = ownership === 'reset' ? 0 : entry.gid
  const size = entry.type === 'file' ? entry.size : 0
  const linkname = entry.type === 'symlink' ? (entry.linkTarget ?? '') : ''
  return (
    `namemode${mode}uid${uid}gid${gid}size${size}typeflag${TYPEFLAG[entry.type]}` +
    `linkname${linkname}unamegnamedevmajor${major}devminor${minor}`
  )
}

/** True when BuildKit appends the content after the header (non-empty regular files). */
export function hasContent(entry: ContextEntry): boolean {
  return entry.type === 'file' && entry.size > 0
}

/** `sha256:<hex>` of some bytes, the digest format every record carries. */
export function sha256Digest(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return `sha256:${h.digest('hex')}`
}

/** The digest of an entry that has no content: its header alone. */
export function headerDigest(entry: ContextEntry, ownership: Ownership): string {
  return sha256Digest(tarsumHeader(entry, ownership))
}

/** digest.FromBytes(nil): BuildKit's digest for the context root's header and for "nothing". */
export const EMPTY_DIGEST = sha256Digest('')
