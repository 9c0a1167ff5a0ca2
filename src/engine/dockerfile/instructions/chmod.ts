// `COPY/ADD --chmod` (dockerfile2llb/convert_copy.go): an octal mode up to 07777, or (Dockerfile
// 1.14+) a symbolic mode as chmod(1) writes it, checked with BuildKit's dchapes-mode parser.

import { DetailError } from './errors'
import { parseUint } from './go-parse'

export type ChmodMode =
  | { readonly kind: 'octal'; readonly mode: number }
  | { readonly kind: 'symbolic'; readonly mode: string }

const nonOctal = (value: string) =>
  new DetailError(`invalid chmod parameter: '${value}'. it should be octal string and between 0 and 07777`)

/** dchapes-mode's ErrSyntax text. */
const SYNTAX = 'invalid syntax'

/**
 * The grammar of mode.ParseWithUmask for a non-numeric mode: clauses separated by `,`, each
 * `[ugoa]* ( [+-=] [rstwxXugo]* )+`. Go indexes the string without bounds checks in places
 * (`u`, `u+x,` would panic there); we report those as syntax errors.
 */
function isSymbolicMode(s: string): boolean {
  let i = 0
  for (;;) {
    while ('augo'.includes(s[i] ?? '-')) i++
    if (i >= s.length) return false
    do {
      if (!'+-='.includes(s[i] ?? '?')) return false
      i++
      while (i < s.length && 'rstwxXugo'.includes(s[i] ?? '')) i++
    } while (i < s.length && s[i] !== ',')
    if (i >= s.length) return true
    i++ // the comma
    if (i >= s.length) return false
  }
}

/** Validates an expanded `--chmod` value the way dispatchCopy does; throws BuildKit's message. */
export function parseChmod(value: string): ChmodMode {
  try {
    const mode = parseUint(value, 8, 32)
    if (mode > 0o7777) throw nonOctal(value)
    return { kind: 'octal', mode }
  } catch (err) {
    if (err instanceof DetailError) throw err
  }
  // Not octal: mode.Parse. A value starting with a digit is read as an octal number there too,
  // fails the same way, and BuildKit reports that with its octal message "for compatibility".
  const first = value[0] ?? ''
  if (first >= '0' && first <= '9') throw nonOctal(value)
  if (value === '' || !isSymbolicMode(value)) throw new DetailError(SYNTAX)
  return { kind: 'symbolic', mode: value }
}
