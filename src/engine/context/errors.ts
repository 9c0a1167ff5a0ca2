// Errors raised while selecting or digesting COPY/ADD sources, worded as BuildKit words them so
// that a failing build reads the same here as under `docker build`.

import { TooManyLinksError } from './context-tree'
import { GoBadPatternError } from './go-match'
import { PatternSyntaxError } from './pattern-matcher'

export type CopySourceErrorCode =
  /** Content-digest lookup of a missing path (BuildKit: `"/x": not found`). */
  | 'not-found'
  /** The copy's own lstat of a missing source (`lstat /x: no such file or directory`). */
  | 'no-such-file'
  /** Symlink resolution went round more than 255 links. */
  | 'too-many-links'
  /** Every source was a wildcard and none matched (legacy builder wording). */
  | 'no-source-files'
  /** A wildcard or --exclude pattern is malformed. */
  | 'invalid-pattern'

export class CopySourceError extends Error {
  constructor(
    readonly code: CopySourceErrorCode,
    message: string,
    /** The source path concerned, as BuildKit names it (`/x`), when there is one. */
    readonly path?: string,
  ) {
    super(message)
    this.name = 'CopySourceError'
  }
}

const SIMPLE: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
}

/** Go's %q (strconv.Quote) for the strings that appear in these messages. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number
    const simple = SIMPLE[ch]
    if (simple !== undefined) out += simple
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`
    else out += `\\U${cp.toString(16).padStart(8, '0')}`
  }
  return out + '"'
}

/** `"/x": not found`, the error contenthash reports for a missing source. */
export function notFound(absPath: string): CopySourceError {
  return new CopySourceError('not-found', `${goQuote(absPath)}: not found`, absPath)
}

/** `lstat /x: no such file or directory`, what the copy itself reports. */
export function noSuchFile(absPath: string): CopySourceError {
  return new CopySourceError('no-such-file', `lstat ${absPath}: no such file or directory`, absPath)
}

/** Turns the lower layers' errors (links, patterns) into CopySourceErrors; others pass through. */
export function asCopySourceError(e: unknown): unknown {
  if (e instanceof TooManyLinksError) return new CopySourceError('too-many-links', e.message)
  if (e instanceof GoBadPatternError || e instanceof PatternSyntaxError) {
    return new CopySourceError('invalid-pattern', e.message)
  }
  return e
}
