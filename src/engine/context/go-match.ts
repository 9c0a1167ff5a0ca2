// Go's path/filepath.Match on Unix, ported rule for rule. BuildKit uses it three ways: COPY
// wildcards are resolved with it (fsutil copy.ResolveWildcards), contenthash selects wildcard
// sources with it (path.Match, same algorithm), and moby/patternmatcher calls it once per
// pattern only to reject malformed ones. Its quirks matter: `*` and `?` never match '/', but a
// bracket class can; `[^...]` negates, `[!...]` does not; a backslash escapes the next byte.

/** filepath.ErrBadPattern; the message is Go's. */
export class GoBadPatternError extends Error {
  constructor() {
    super('syntax error in pattern')
    this.name = 'GoBadPatternError'
  }
}

interface Chunk {
  star: boolean
  chunk: string
  rest: string
}

function scanChunk(pattern: string): Chunk {
  let star = false
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1)
    star = true
  }
  let inrange = false
  let i = 0
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        // The bad trailing escape is reported by matchChunk.
        if (i + 1 < pattern.length) i++
        break
      case '[':
        inrange = true
        break
      case ']':
        inrange = false
        break
      case '*':
        if (!inrange) break scan
        break
    }
  }
  return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) }
}

/** Length in UTF-16 units of the code point at `i` (1 or 2). */
function cpLen(s: string, i: number): number {
  const c = s.charCodeAt(i)
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1
}

/** getEsc: one (possibly escaped) character of a bracket class. */
function getEsc(chunk: string): { r: number; rest: string } {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new GoBadPatternError()
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1)
    if (chunk.length === 0) throw new GoBadPatternError()
  }
  const r = chunk.codePointAt(0) as number
  const rest = chunk.slice(cpLen(chunk, 0))
  if (rest.length === 0) throw new GoBadPatternError()
  return { r, rest }
}

/**
 * matchChunk: match `chunk` (no unescaped `*`) at the start of `s`. Returns the unmatched rest
 * of `s`, or null. Keeps parsing after a mismatch so syntax errors are always reported.
 */
function matchChunk(chunk: string, s: string): string | null {
  let failed = false
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true
    const c = chunk[0]
    if (c === '[') {
      let r = 0
      if (!failed) {
        r = s.codePointAt(0) as number
        s = s.slice(cpLen(s, 0))
      }
      chunk = chunk.slice(1)
      let negated = false
      if (chunk.length > 0 && chunk[0] === '^') {
        negated = true
        chunk = chunk.slice(1)
      }
      let match = false
      let nrange = 0
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1)
          break
        }
        const lo = getEsc(chunk)
        chunk = lo.rest
        let hi = lo.r
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1))
          chunk = h.rest
          hi = h.r
        }
        if (lo.r <= r && r <= hi) match = true
        nrange++
      }
      if (match === negated) failed = true
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true
        s = s.slice(cpLen(s, 0))
      }
      chunk = chunk.slice(1)
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1)
        if (chunk.length === 0) throw new GoBadPatternError()
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true
        s = s.slice(1)
      }
      chunk = chunk.slice(1)
    }
  }
  return failed ? null : s
}

/** filepath.Match(pattern, name); throws GoBadPatternError where Go returns ErrBadPattern. */
export function goMatch(pattern: string, name: string): boolean {
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern)
    pattern = rest
    if (star && chunk === '') {
      // A trailing * matches the rest of the name unless it has a '/'.
      return !name.includes('/')
    }
    const t = matchChunk(chunk, name)
    // On the last chunk the name must be used up; otherwise the star may still help.
    if (t !== null && (t.length === 0 || pattern.length > 0)) {
      name = t
      continue
    }
    if (star) {
      // Let the star eat one more character (never a '/') and retry.
      for (let i = 0; i < name.length && name[i] !== '/'; i += cpLen(name, i)) {
        const t2 = matchChunk(chunk, name.slice(i + cpLen(name, i)))
        if (t2 !== null) {
          if (pattern.length === 0 && t2.length > 0) continue
          name = t2
          continue outer
        }
      }
    }
    // Before answering "no", make sure the rest of the pattern is well-formed.
    while (pattern.length > 0) {
      const next = scanChunk(pattern)
      pattern = next.rest
      matchChunk(next.chunk, '')
    }
    return false
  }
  return name.length === 0
}

/** Throws GoBadPatternError if `pattern` is malformed (what patternmatcher.New checks). */
export function assertGoPattern(pattern: string): void {
  goMatch(pattern, '.')
}

/** fsutil/contenthash containsWildcards: `*`, `?` or `[` not preceded by a backslash. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]
    if (ch === '\\') i++
    else if (ch === '*' || ch === '?' || ch === '[') return true
  }
  return false
}
