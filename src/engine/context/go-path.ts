// Go's `path` package and a few `strings` helpers, reproduced exactly because moby/patternmatcher,
// fsutil and BuildKit's contenthash feed every pattern and path through them: a JavaScript
// look-alike (path.posix.normalize, String.prototype.trim, `<` on strings) differs at the edges
// (`.` handling, U+0085/U+FEFF, UTF-16 vs UTF-8 ordering) and those edges decide what is ignored.

import { isGoSpace } from '../dockerfile/go-strings'

export { isGoSpace }

/** Go path.Clean (Rob Pike's lexical algorithm), for '/'-separated paths. */
export function goClean(p: string): string {
  if (p === '') return '.'
  const rooted = p.charCodeAt(0) === 0x2f
  const n = p.length
  const buf: string[] = []
  let w = 0 // write index into buf, as in Go's lazybuf
  let r = 0
  let dotdot = 0 // index where ".." must stop backtracking
  if (rooted) {
    buf[w++] = '/'
    r = 1
    dotdot = 1
  }
  while (r < n) {
    const c = p[r]
    if (c === '/') {
      r++
    } else if (c === '.' && (r + 1 === n || p[r + 1] === '/')) {
      r++
    } else if (c === '.' && p[r + 1] === '.' && (r + 2 === n || p[r + 2] === '/')) {
      r += 2
      if (w > dotdot) {
        w--
        while (w > dotdot && buf[w] !== '/') w--
      } else if (!rooted) {
        if (w > 0) buf[w++] = '/'
        buf[w++] = '.'
        buf[w++] = '.'
        dotdot = w
      }
    } else {
      if ((rooted && w !== 1) || (!rooted && w !== 0)) buf[w++] = '/'
      for (; r < n && p[r] !== '/'; r++) buf[w++] = p[r] as string
    }
  }
  if (w === 0) return '.'
  return buf.slice(0, w).join('')
}

/** Go path.Join: joins the non-empty elements with '/' and cleans the result. */
export function goJoin(...elems: string[]): string {
  const parts = elems.filter((e) => e !== '')
  if (parts.length === 0) return ''
  return goClean(parts.join('/'))
}

/** Go path.Dir / filepath.Dir on Unix. */
export function goDir(p: string): string {
  const i = p.lastIndexOf('/')
  return goClean(p.slice(0, i + 1))
}

/** Go path.Base. */
export function goBase(p: string): string {
  if (p === '') return '.'
  let end = p.length
  while (end > 0 && p.charCodeAt(end - 1) === 0x2f) end--
  if (end === 0) return '/'
  const trimmed = p.slice(0, end)
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

/** Go strings.TrimSpace (JavaScript's trim() also strips U+FEFF and keeps U+0085). */
export function goTrimSpace(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isGoSpace(s.charCodeAt(start))) start++
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--
  return s.slice(start, end)
}

/**
 * Byte-wise comparison of the UTF-8 encodings, which is what Go's `<` on strings does and how
 * os.ReadDir sorts names. Comparing code points gives the same order; comparing UTF-16 code
 * units (JavaScript's `<`) does not once astral characters meet U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs === ys) return x < y ? -1 : 1
    // A surrogate (astral code point) sorts after every BMP unit.
    return xs ? 1 : -1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/**
 * Order of BuildKit's walk and of contenthash's radix keys (path with '/' replaced by NUL):
 * component by component, so `a/b` sorts before `a.txt` and after `a`.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x === 0x2f) return -1
    if (y === 0x2f) return 1
    return compareUtf8(a.slice(i), b.slice(i))
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}
