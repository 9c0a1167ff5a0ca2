// BuildKit's BFlags (instructions/bflag.go): each instruction declares the flags it knows, then
// the `--name[=value]` words the parser kept are checked against them. Flag names are
// case-sensitive; only string-array flags (`--mount`, `--exclude`, `--device`) may repeat.

import { goToLower } from '../go-strings'
import type { FlagNode, SourceRange } from '../syntax'
import { withSuggestion } from './closest'
import { DetailError } from './errors'

/** `bool`: `--link`, `--link=true|false`; `string`: `--from=x` (value required); `strings`: repeatable. */
export type FlagKind = 'bool' | 'string' | 'strings'

export type FlagSpec = readonly (readonly [name: string, kind: FlagKind])[]

export interface ParsedFlags {
  /** A bool flag's value (false when absent: every BuildKit bool flag defaults to false). */
  bool(name: string): boolean
  /** A string flag's value, or null when the flag was not written. */
  string(name: string): string | null
  /** Every value of a repeatable flag, in order. */
  strings(name: string): readonly string[]
  used(name: string): boolean
  /** Names of the flags written, in order of first use (BuildKit FlagsUsed). */
  readonly usedNames: readonly string[]
  /** Where each value of a flag was written. */
  ranges(name: string): readonly SourceRange[]
}

/** BFlags.Parse. Throws DetailError (BuildKit's text) located at the offending flag. */
export function parseFlags(flags: readonly FlagNode[], spec: FlagSpec): ParsedFlags {
  const kinds = new Map(spec.map(([name, kind]) => [name, kind]))
  const values = new Map<string, string[]>()
  const ranges = new Map<string, SourceRange[]>()

  for (const flag of flags) {
    const word = flag.value
    // The parser already drops a bare `--` and the words after it; BFlags stops there too.
    if (word === '--') break
    if (!word.startsWith('--')) throw new DetailError(`arg should start with -- : ${word}`, flag.range)
    const eq = word.indexOf('=')
    const hasValue = eq >= 0
    const flagName = hasValue ? word.slice(0, eq) : word
    const value = hasValue ? word.slice(eq + 1) : ''
    const name = flagName.slice(2)

    const kind = kinds.get(name)
    if (kind === undefined) {
      throw new DetailError(withSuggestion(`unknown flag: ${flagName}`, name, kinds.keys()), flag.range)
    }
    const seen = values.get(name)
    if (seen !== undefined && kind !== 'strings') {
      throw new DetailError(`duplicate flag specified: ${flagName}`, flag.range)
    }
    let stored: string
    if (kind === 'bool') {
      // `--link=` is refused, `--link` alone means true.
      if (hasValue && value === '') throw new DetailError(`missing a value on flag: ${flagName}`, flag.range)
      const lower = goToLower(value)
      if (lower === '' || lower === 'true') stored = 'true'
      else if (lower === 'false') stored = 'false'
      else throw new DetailError(`expecting boolean value for flag ${flagName}, not: ${value}`, flag.range)
    } else {
      if (!hasValue) throw new DetailError(`missing a value on flag: ${flagName}`, flag.range)
      stored = value
    }
    values.set(name, [...(seen ?? []), stored])
    ranges.set(name, [...(ranges.get(name) ?? []), flag.range])
  }

  return {
    bool: (name) => values.get(name)?.[0] === 'true',
    string: (name) => values.get(name)?.[0] ?? null,
    strings: (name) => values.get(name) ?? [],
    used: (name) => values.has(name),
    usedNames: [...values.keys()],
    ranges: (name) => ranges.get(name) ?? [],
  }
}

/** Flags of instructions that take none: any flag is unknown (BuildKit still calls Parse). */
export const NO_FLAGS: FlagSpec = []
