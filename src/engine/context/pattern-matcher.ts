// moby/patternmatcher, the matcher behind .dockerignore, COPY --exclude and fsutil's walk
// filters. Each pattern compiles to one of four tests (exact, prefix for a trailing `**`, suffix
// for a leading `**`, or an anchored regexp); a path is excluded when the last pattern that
// applies to it, or to one of its parent directories, is not a `!` exception.

import { assertGoPattern, GoBadPatternError } from './go-match'
import { goClean, goDir, goTrimSpace } from './go-path'
import { goRegexpToJs } from './go-regexp'

/** Characters that RE2 would treat specially but filepath.Match treats literally. */
const REGEXP_LITERALS = new Set(['.', '+', '(', ')', '|', '{', '}', '$'])

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp'

export class PatternSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PatternSyntaxError'
  }
}

/** One compiled pattern. `text` is the cleaned pattern without its `!`. */
export class Pattern {
  private compiled: { type: MatchType; re?: RegExp } | Error | undefined

  constructor(
    readonly text: string,
    readonly exclusion: boolean,
  ) {}

  toString(): string {
    return this.text
  }

  /** Go compiles lazily on first use and reports a bad regexp only then; so do we. */
  matches(path: string): boolean {
    this.compiled ??= compile(this.text)
    const c = this.compiled
    if (c instanceof Error) throw c
    switch (c.type) {
      case 'exact':
        return path === this.text
      case 'prefix':
        return path.startsWith(this.text.slice(0, -2))
      case 'suffix': {
        const suffix = this.text.slice(2)
        if (path.endsWith(suffix)) return true
        // `**/foo` also matches `foo` itself.
        return suffix[0] === '/' && path === suffix.slice(1)
      }
      case 'regexp':
        return (c.re as RegExp).test(path)
    }
  }
}

/** Pattern.compile: builds the RE2 source exactly as Go does, then translates it. */
function compile(pattern: string): { type: MatchType; re?: RegExp } | Error {
  let reg = '^'
  let type: MatchType = 'exact'
  const chars = Array.from(pattern) // text/scanner reads code points
  let pos = 0
  for (let i = 0; pos < chars.length; i++) {
    const ch = chars[pos++] as string
    if (ch === '*') {
      if (chars[pos] === '*') {
        pos++
        // `**/` is treated as `**`.
        if (chars[pos] === '/') pos++
        if (pos >= chars.length) {
          // A trailing `**` matches everything below, like .gitignore.
          if (type === 'exact') {
            type = 'prefix'
          } else {
            reg += '.*'
            type = 'regexp'
          }
        } else {
          // Any number of directories, including none.
          reg += '(.*/)?'
          type = 'regexp'
        }
        if (i === 0) type = 'suffix'
      } else {
        reg += '[^/]*'
        type = 'regexp'
      }
    } else if (ch === '?') {
      reg += '[^/]'
      type = 'regexp'
    } else if (REGEXP_LITERALS.has(ch)) {
      reg += '\\' + ch
    } else if (ch === '\\') {
      // Escape the next character; a trailing backslash stays (escaped) as is.
      if (pos < chars.length) {
        reg += '\\' + (chars[pos++] as string)
        type = 'regexp'
      } else {
        reg += '\\'
      }
    } else if (ch === '[' || ch === ']') {
      reg += ch
      type = 'regexp'
    } else {
      reg += ch
    }
  }
  if (type !== 'regexp') return { type }
  try {
    return { type, re: goRegexpToJs(reg + '$') }
  } catch {
    return new GoBadPatternError()
  }
}

/** Per-pattern results for a directory, handed to its children (patternmatcher.MatchInfo). */
export interface MatchInfo {
  readonly parentMatched: readonly boolean[]
}

export const EMPTY_MATCH_INFO: MatchInfo = { parentMatched: [] }

export class PatternMatcher {
  readonly patterns: readonly Pattern[]
  /** True when any pattern is a `!` exception. */
  readonly exclusions: boolean

  /** patternmatcher.New: trims, cleans, validates with filepath.Match; empty entries skipped. */
  constructor(patterns: readonly string[]) {
    const out: Pattern[] = []
    let exclusions = false
    for (const raw of patterns) {
      let p = goTrimSpace(raw)
      if (p === '') continue
      p = goClean(p)
      let exclusion = false
      if (p[0] === '!') {
        if (p.length === 1) throw new PatternSyntaxError('illegal exclusion pattern: "!"')
        exclusion = true
        p = p.slice(1)
        exclusions = true
      }
      try {
        assertGoPattern(p)
      } catch (e) {
        if (e instanceof GoBadPatternError) throw new PatternSyntaxError(e.message)
        throw e
      }
      out.push(new Pattern(p, exclusion))
    }
    this.patterns = out
    this.exclusions = exclusions
  }

  /** MatchesOrParentMatches: the path, or any of its parent directories, decides. */
  matchesOrParentMatches(file: string): boolean {
    let matched = false
    const parentPath = goDir(file)
    const parentDirs = parentPath.split('/')
    for (const pattern of this.patterns) {
      // Inclusions are skipped once matched, exceptions until something matched.
      if (pattern.exclusion !== matched) continue
      let match = pattern.matches(file)
      if (!match && parentPath !== '.') {
        for (let i = 0; i < parentDirs.length; i++) {
          if (pattern.matches(parentDirs.slice(0, i + 1).join('/'))) {
            match = true
            break
          }
        }
      }
      if (match) matched = !pattern.exclusion
    }
    return matched
  }

  /** MatchesExact: no parent-directory matching. */
  matchesExact(file: string): boolean {
    let matched = false
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue
      if (pattern.matches(file)) matched = !pattern.exclusion
    }
    return matched
  }

  /**
   * MatchesUsingParentResults: what fsutil's walker and BuildKit's contenthash use. A pattern
   * the parent directory matched counts as matched without being re-evaluated; with no parent
   * information (top level) it falls back to checking every parent path.
   */
  matchesUsingParentResults(file: string, parent: MatchInfo = EMPTY_MATCH_INFO): { matched: boolean; info: MatchInfo } {
    const parentMatched = parent.parentMatched
    if (parentMatched.length !== 0 && parentMatched.length !== this.patterns.length) {
      throw new Error('wrong number of values in parentMatched')
    }
    let matched = false
    const result: boolean[] = new Array<boolean>(this.patterns.length).fill(false)
    this.patterns.forEach((pattern, i) => {
      let match = parentMatched.length !== 0 ? (parentMatched[i] as boolean) : false
      if (!match) {
        if (pattern.exclusion !== matched) return
        match = pattern.matches(file)
        if (!match && parentMatched.length === 0) {
          const parentPath = goDir(file)
          if (parentPath !== '.') {
            const dirs = parentPath.split('/')
            for (let j = 0; j < dirs.length; j++) {
              if (pattern.matches(dirs.slice(0, j + 1).join('/'))) {
                match = true
                break
              }
            }
          }
        }
      }
      result[i] = match
      if (match) matched = !pattern.exclusion
    })
    return { matched, info: { parentMatched: result } }
  }
}

/** fsutil patternWithoutTrailingGlob: the pattern with one trailing `/**` and then `/*` removed. */
export function patternWithoutTrailingGlob(p: Pattern): string {
  let s = p.text
  if (s.endsWith('/**')) s = s.slice(0, -3)
  if (s.endsWith('/*')) s = s.slice(0, -2)
  return s
}

/** True when a pattern (minus its trailing glob) has any wildcard character in it. */
export function hasWildcardChars(s: string): boolean {
  return /[*[\]?^\\]/.test(s)
}
