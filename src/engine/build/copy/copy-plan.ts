// The rules of a COPY/ADD step that need no filesystem: which kind each source is, where the
// destination is, which flags are valid together, the metadata entries get, and where one
// source lands given what the destination turns out to be. The applying code (copy-apply.ts,
// add-archive.ts) asks these questions; the answers follow dispatchCopy and fsutil's Copy.

import { posix } from 'node:path'
import type { AddInstruction, ChmodMode, CopyInstruction, HeredocSource } from '../../dockerfile'
import { parseChmod } from '../../dockerfile'
import { baseRel, isDirectoryDest, joinRel, parentRel, resolveDestination } from './image-path'
import type { NodeMeta } from './layer-tree'
import type { Owner } from './ownership'
import { copiedMode, createdDirMode } from './ownership'

export class CopyStepError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CopyStepError'
  }
}

export type SourceSpec =
  | { readonly kind: 'local'; readonly source: string }
  | { readonly kind: 'url'; readonly url: string; readonly fileName: string }

export interface StepPlan {
  readonly command: 'COPY' | 'ADD'
  /** Absolute; ends with `/` when the Dockerfile said "a directory". */
  readonly dest: string
  /** Local and URL sources in the order written; heredocs always come after them (BuildKit). */
  readonly sources: readonly SourceSpec[]
  readonly heredocs: readonly HeredocSource[]
  readonly chmod: ChmodMode | null
  /** --link in effect: BuildKit falls back to a plain copy when --chmod is also given. */
  readonly link: boolean
  /** ADD unpacks local archives unless --unpack=false; URLs only with --unpack=true. */
  readonly unpackLocal: boolean
  readonly unpackUrls: boolean
  readonly checksum: string | null
}

export function isHttpSource(src: string): boolean {
  return (src.startsWith('http://') || src.startsWith('https://')) && !isGitSource(src)
}

/** The forms dfgitutil.ParseGitRef takes for a remote git repository. */
export function isGitSource(src: string): boolean {
  if (src.startsWith('git@') || src.startsWith('git://') || src.startsWith('ssh://')) return true
  if (!src.startsWith('http://') && !src.startsWith('https://')) return false
  const path = src.split('#')[0] ?? ''
  return /\.git$/.test(path.replace(/\/+$/, '')) || src.includes('.git#')
}

/** dispatchCopy: the file an URL is saved as — the URL path's basename, `__unnamed__` if none. */
export function urlFileName(url: string): string {
  try {
    const base = posix.basename(new URL(url).pathname)
    return base === '' || base === '.' || base === '/' ? '__unnamed__' : decodeURIComponent(base)
  } catch {
    return '__unnamed__'
  }
}

const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 }

/** go-digest Parse, with its error texts. */
export function parseChecksum(value: string): { algorithm: string; hex: string } {
  const colon = value.indexOf(':')
  if (colon <= 0 || colon === value.length - 1) throw new CopyStepError('invalid checksum digest format')
  const algorithm = value.slice(0, colon)
  const hex = value.slice(colon + 1)
  const length = DIGEST_LENGTHS[algorithm]
  if (length === undefined) throw new CopyStepError('unsupported digest algorithm')
  if (hex.length !== length) throw new CopyStepError('invalid checksum digest length')
  if (!/^[a-f0-9]+$/.test(hex)) throw new CopyStepError('invalid checksum digest format')
  return { algorithm, hex }
}

/** Everything dispatchCopy decides before touching a file; throws its errors. */
export function planStep(instruction: CopyInstruction | AddInstruction, workdir: string): StepPlan {
  const isAdd = instruction.kind === 'add'
  const command = isAdd ? 'ADD' : 'COPY'
  const chmod = instruction.chmod === null ? null : parseChmod(instruction.chmod)
  const checksum = isAdd ? instruction.checksum : null
  if (checksum !== null) {
    if (instruction.sources.length !== 1) throw new CopyStepError("checksum can't be specified for multiple sources")
    const only = instruction.sources[0] ?? ''
    if (!isHttpSource(only) && !isGitSource(only)) throw new CopyStepError('checksum requires HTTP(S) or Git sources')
    parseChecksum(checksum)
  }
  const sources: SourceSpec[] = instruction.sources.map((src) => {
    if (isGitSource(src)) {
      if (!isAdd) throw new CopyStepError("source can't be a git ref for COPY")
      throw new CopyStepError(`ADD from a git repository is not supported yet: ${src}`)
    }
    if (isHttpSource(src)) {
      if (!isAdd) throw new CopyStepError("source can't be a URL for COPY")
      return { kind: 'url', url: src, fileName: urlFileName(src) }
    }
    return { kind: 'local', source: src }
  })
  const unpack = isAdd ? instruction.unpack : false
  return {
    command,
    dest: resolveDestination(instruction.dest, workdir),
    sources,
    heredocs: instruction.heredocs,
    chmod,
    link: instruction.link && chmod === null,
    unpackLocal: isAdd && unpack !== false,
    unpackUrls: unpack === true,
    checksum,
  }
}

/**
 * Several things copied to one path would overwrite each other: BuildKit lets that happen, the
 * legacy builder refuses, and so do we — unless the destination ends in `/` or already is a
 * directory. A wildcard matching a single file is fine (BuildKit's own `COPY f*.go foo2.go`).
 */
export function checkDestinationTakesMany(plan: StepPlan, itemCount: number, destIsExistingDir: boolean): void {
  if (itemCount <= 1 || isDirectoryDest(plan.dest) || destIsExistingDir) return
  throw new CopyStepError(`When using ${plan.command} with more than one source file, the destination must be a directory and end with a /`)
}

export interface MetaOptions {
  readonly chown: Owner | null
  readonly chmod: ChmodMode | null
  readonly now: number
}

/** Directories the step creates on the way to the destination (fsutil MkdirAll). */
export function createdDirMeta(opts: MetaOptions): NodeMeta {
  return { mode: createdDirMode(opts.chmod), uid: opts.chown?.uid ?? 0, gid: opts.chown?.gid ?? 0, mtime: opts.now }
}

/** A copied entry: its own metadata, the --chown owner and --chmod mode applied (copyFileInfo). */
export function copiedMeta(
  node: { readonly type: string; readonly mode: number; readonly uid: number; readonly gid: number; readonly mtime: number },
  opts: MetaOptions,
): NodeMeta {
  return {
    mode: copiedMode(node.mode, node.type === 'dir', node.type === 'symlink', opts.chmod),
    uid: opts.chown?.uid ?? node.uid,
    gid: opts.chown?.gid ?? node.gid,
    mtime: node.mtime,
  }
}

/**
 * fsutil prepareTargetDir: where one source lands. A non-directory onto an existing directory
 * goes inside it under the source's name; otherwise the destination path itself is the target.
 * `mkdir` is what must exist first: the target for a directory whose destination is new (its
 * contents go there), else the target's parent.
 */
export function targetFor(sourceIsDir: boolean, sourceName: string, dest: string, destType: string | undefined): { target: string; mkdir: string } {
  const target = !sourceIsDir && destType === 'dir' ? joinRel(dest, sourceName) : dest
  return { target, mkdir: sourceIsDir && destType === undefined ? target : parentRel(target) }
}

/** The path fsutil's Copy makes sure of before anything else: the destination, or its parent. */
export function ensuredDestination(dest: string): string {
  return isDirectoryDest(dest) ? dest : posix.dirname(dest)
}

/** The name a heredoc source is copied as (the delimiter word, as llb.Mkfile names it). */
export function heredocFileName(heredoc: HeredocSource): string {
  return baseRel(heredoc.name) || heredoc.name
}
