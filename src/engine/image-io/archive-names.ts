import path from 'node:path'
import type { Digest } from '../store'
import { ImageIoError } from './errors'

/**
 * The canonical form of a member name (`./a//b/` → `a/b`). Names are only ever keys in a map
 * here, never paths on disk, but a name that tries to climb out of the archive (`../x`, `/etc/x`)
 * marks the archive as hostile and it is refused whole.
 */
export function archiveName(raw: string, what = 'archive member'): string {
  if (raw.includes('\0')) throw unsafe(`${what} ${JSON.stringify(raw)} contains a NUL byte`)
  if (raw.startsWith('/')) throw unsafe(`${what} ${JSON.stringify(raw)} is an absolute path`)
  const parts: string[] = []
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') throw unsafe(`${what} ${JSON.stringify(raw)} climbs out of the archive with ".."`)
    parts.push(part)
  }
  return parts.join('/')
}

/**
 * Where a link member points, as a member name. Docker 20.10's `docker save` writes a
 * repeated layer as a symlink `<id>/layer.tar -> ../<other id>/layer.tar`, so relative links
 * that stay inside the archive are followed (by name); anything that leaves it is refused.
 * Hard-link names are relative to the archive root, symlink targets to the link's directory.
 */
export function linkTarget(name: string, target: string, symbolic: boolean): string {
  if (target.startsWith('/')) throw unsafe(`archive member ${JSON.stringify(name)} links to the absolute path ${JSON.stringify(target)}`)
  const joined = symbolic ? path.posix.join(path.posix.dirname(name), target) : path.posix.normalize(target)
  if (joined === '..' || joined.startsWith('../')) {
    throw unsafe(`archive member ${JSON.stringify(name)} links to ${JSON.stringify(target)}, outside the archive`)
  }
  return archiveName(joined, `link target of ${JSON.stringify(name)}`)
}

const BLOB_NAME = /^blobs\/sha256\/([0-9a-f]{64})$/

/** The digest a member name promises (`blobs/sha256/<hex>`), if it promises one. */
export function digestInName(name: string): Digest | undefined {
  const hex = BLOB_NAME.exec(name)?.[1]
  return hex === undefined ? undefined : `sha256:${hex}`
}

/** Every blob named by digest is checked against its bytes, whether or not anything uses it. */
export function checkNamedDigest(name: string, actual: string): void {
  const promised = digestInName(name)
  if (promised !== undefined && promised !== actual) {
    throw new ImageIoError('digest-mismatch', `${name} hashes to ${actual}: the archive has been altered or damaged`)
  }
}

/** The member name of a blob in an OCI layout; only sha256, the one algorithm the store keeps. */
export function blobName(digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest)
  if (!match) throw new ImageIoError('unsupported', `digest ${JSON.stringify(digest)} is not a sha256 digest`)
  return `blobs/sha256/${match[1]}`
}

function unsafe(message: string): ImageIoError {
  return new ImageIoError('unsafe-archive', `refusing the archive: ${message}`)
}
