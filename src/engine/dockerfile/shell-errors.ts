import { goQuote } from './go-strings'

/**
 * A word that BuildKit's lexer would refuse. `message` is exactly BuildKit's error text,
 * `failed to process "<word>": <reason>` (the word quoted like Go's `%q`); `reason` is the part
 * after the colon, e.g. `syntax error: bad substitution`, `FOO: is not allowed to be unset`, or the
 * message given in `${FOO:?message}` prefixed with `FOO: `.
 */
export class ShellExpansionError extends Error {
  override readonly name = 'ShellExpansionError'
  /** The word that was being processed, as given. */
  readonly word: string
  /** BuildKit's inner error text, without the `failed to process …:` wrapping. */
  readonly reason: string

  constructor(word: string, reason: string) {
    super(`failed to process ${goQuote(word)}: ${reason}`)
    this.word = word
    this.reason = reason
  }
}

/** Internal: an error raised while lexing, before it is wrapped with the word. */
export class ShellLexFailure extends Error {
  override readonly name = 'ShellLexFailure'
}
