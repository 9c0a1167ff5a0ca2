// The bits of Go's fmt and time packages that BuildKit's history strings are made of:
// `%q` and `%v` of a []string, `%q` of a time.Duration (its String form, quoted) and `%q` of an
// int (a quoted rune literal, which is how HEALTHCHECK's retry count ends up as '\x03').

import { goQuote, isGoPrint, SHORT_ESCAPES } from '../../dockerfile'

/** fmt `%q` of a []string: `["a" "b"]` (nil and empty both print `[]`). */
export function goQuotedList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(' ')}]`
}

/** fmt `%v` of a []string: `[a b]`, nothing quoted, so `["a b"]` and `["a", "b"]` print alike. */
export function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`
}

const NS_PER_US = 1_000n
const NS_PER_MS = 1_000_000n
const NS_PER_S = 1_000_000_000n

/** time.fmtFrac: `.125` for v/10^prec with trailing zeros (and a bare point) dropped. */
function fraction(v: bigint, prec: number): { text: string; rest: bigint } {
  let digits = ''
  let printed = false
  let rest = v
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10n
    printed = printed || digit !== 0n
    if (printed) digits = digit.toString() + digits
    rest /= 10n
  }
  return { text: printed ? '.' + digits : '', rest }
}

/** time.Duration.String: `0s`, `250ms`, `1.5µs`, `1m30s`, `1h0m0s`. */
export function goDuration(nanoseconds: number | bigint): string {
  const d = BigInt(nanoseconds)
  const neg = d < 0n
  let u = neg ? -d : d
  let out: string
  if (u < NS_PER_S) {
    if (u === 0n) return '0s'
    // Below a second Go switches to the largest unit that keeps an integer part.
    const [prec, unit] = u < NS_PER_US ? [0, 'ns'] : u < NS_PER_MS ? [3, 'µs'] : [6, 'ms']
    const { text, rest } = fraction(u, prec)
    out = rest.toString() + text + unit
  } else {
    const { text, rest } = fraction(u, 9)
    u = rest
    out = (u % 60n).toString() + text + 's'
    u /= 60n
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out
      u /= 60n
      if (u > 0n) out = u.toString() + 'h' + out
    }
  }
  return neg ? '-' + out : out
}

/**
 * fmt `%q` of an integer: strconv.QuoteRune of it. Values that are no valid rune (negative,
 * surrogates, above U+10FFFF) print as the replacement character, as Go does.
 */
export function goQuotedRune(value: number): string {
  let cp = value
  if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd
  let body: string
  if (cp === 0x27) body = "\\'"
  else if (cp === 0x5c) body = '\\\\'
  else if (isGoPrint(cp)) body = String.fromCodePoint(cp)
  else {
    const hex = (width: number) => cp.toString(16).padStart(width, '0')
    body = SHORT_ESCAPES.get(cp) ?? (cp < 0x20 || cp === 0x7f ? '\\x' + hex(2) : cp < 0x10000 ? '\\u' + hex(4) : '\\U' + hex(8))
  }
  return `'${body}'`
}
