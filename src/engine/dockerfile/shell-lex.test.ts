import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { replacePattern, reversePattern, trimPrefix, trimSuffix } from './shell-glob'
import { goQuote } from './go-strings'
import type { ShellEnv } from './shell-lex'
import { ShellExpansionError, ShellLex, envFromList } from './shell-lex'

const bs = new ShellLex({ escapeToken: '\\' })
const bt = new ShellLex({ escapeToken: '`' })
const ENV = { PWD: '/home', EMPTY: '', R0: '$0', R1: '$1', RD: '$$', RB: '${x', X: 'a b' }

function word(input: string, env: ShellEnv = ENV, lex = bs): string {
  return lex.processWord(input, env).result
}

function words(input: string, env: ShellEnv = ENV, lex = bs): string[] {
  return lex.processWords(input, env).words
}

function reason(input: string, env: ShellEnv = ENV, lex = bs): string {
  try {
    lex.processWord(input, env)
  } catch (err) {
    expect(err).toBeInstanceOf(ShellExpansionError)
    return (err as ShellExpansionError).reason
  }
  throw new Error(`no error for ${input}`)
}

describe('backtick escape token', () => {
  it('escapes outside quotes and drops a trailing token', () => {
    expect(word('he`$PWD')).toBe('he`/home')
    expect(word('c:`foo`', {}, bt)).toBe('c:foo')
    expect(word('he`$PWD', ENV, bt)).toBe('he$PWD')
    expect(word('a``b', {}, bt)).toBe('a`b')
  })
  it('leaves backslashes alone', () => {
    expect(word('he\\$PWD', ENV, bt)).toBe('he\\/home')
    expect(word('c:\\windows\\', {}, bt)).toBe('c:\\windows\\')
    expect(word('"a\\$PWD"', ENV, bt)).toBe('a\\/home')
  })
  it('escapes only " $ and ` inside double quotes', () => {
    expect(word('"a`"b"', {}, bt)).toBe('a"b')
    expect(word('"a`$PWD"', ENV, bt)).toBe('a$PWD')
    expect(word('"a``"', {}, bt)).toBe('a`')
    expect(word('"a`x"', {}, bt)).toBe('a`x')
  })
  it('keeps backslash as the pattern escape', () => {
    expect(word('${F#\\*}', { F: '*x' }, bt)).toBe('x')
    // `* reaches the pattern as a literal ` followed by a star
    expect(word('${F#`*}', { F: '`ab' }, bt)).toBe('ab')
    // `} is kept whole: the backtick stays in the pattern
    expect(word('${F%`}}', { F: 'a`}' }, bt)).toBe('a')
  })
})

describe('error messages', () => {
  it('wraps the reason with the word quoted like Go %q', () => {
    expect(() => bs.processWord('a"\t${}', {})).toThrow('failed to process "a\\"\\t${}": syntax error: bad substitution')
    const err = (() => {
      try {
        bs.processWord('${X?why}', {})
      } catch (e) {
        return e
      }
    })() as ShellExpansionError
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('ShellExpansionError')
    expect(err.word).toBe('${X?why}')
    expect(err.reason).toBe('X: why')
    expect(err.message).toBe('failed to process "${X?why}": X: why')
  })
  it('reports bad and unsupported substitutions as BuildKit does', () => {
    expect(reason('${}')).toBe('syntax error: bad substitution')
    expect(reason('${:x}')).toBe('syntax error: bad substitution')
    expect(reason('${{x}')).toBe('syntax error: bad substitution')
    expect(reason('${.}')).toBe('unsupported modifier (.) in substitution')
    expect(reason('${XXX:YYY}')).toBe('unsupported modifier (:Y) in substitution')
    expect(reason('${PWD:=000}')).toBe('unsupported modifier (:=) in substitution')
    expect(reason('${FOO=aaa}')).toBe('unsupported modifier (=) in substitution')
    expect(reason('${FOO:#x}')).toBe('unsupported modifier (:#) in substitution')
    expect(reason('${FOO:%%x}')).toBe('unsupported modifier (:%) in substitution')
    expect(reason('${1abc}')).toBe('unsupported modifier (a) in substitution')
  })
  it('reports ? and :? with the default or given message', () => {
    expect(reason('${XXX?}')).toBe('XXX: is not allowed to be unset')
    expect(reason('${XXX:?}')).toBe('XXX: is not allowed to be unset')
    expect(reason('${EMPTY:?}')).toBe('EMPTY: is not allowed to be empty')
    expect(reason('${VAR:?message here$ARG}', ['VAR=', 'ARG=x'])).toBe('VAR: message herex')
    expect(reason('${VAR?message here$ARG}', ['ARG=x'])).toBe('VAR: message herex')
    expect(reason('${BAR:?"foo missing"}', {})).toBe('BAR: foo missing')
    expect(word('${VAR?message}', ['VAR='])).toBe('')
  })
  it('reports unterminated quotes', () => {
    expect(reason("'abc")).toBe('unexpected end of statement while looking for matching single-quote')
    expect(reason('"abc')).toBe('unexpected end of statement while looking for matching double-quote')
    expect(reason('"abc\\')).toBe('unexpected end of statement while looking for matching double-quote')
  })
  it('reports bad pattern escapes, with the reversed pattern for % forms', () => {
    expect(reason('${PWD#\\x}')).toBe("invalid pattern (\\x) in substitution: invalid escape '\\x'")
    expect(reason('${PWD%a\\x}')).toBe("invalid pattern (\\xa) in substitution: invalid escape '\\x'")
    expect(reason('${PWD/\\x/y}')).toBe("invalid pattern (\\x) in substitution: invalid escape '\\x'")
    // a pattern ending in a lone backslash (only reachable through a variable) reads EOF
    expect(reason('${PWD#$P}', { PWD: 'a', P: 'a\\' })).toBe("invalid pattern (a\\) in substitution: invalid escape '\\\uFFFD'")
  })
  it('passes nested errors through unless the input has ended', () => {
    expect(reason('${x:-${y?oops}}')).toBe('y: oops')
    expect(reason('${x:-${}}')).toBe('syntax error: bad substitution')
    expect(reason('${x:-${y?oops}')).toBe("syntax error: missing '}'")
    expect(reason("${x:-'abc}")).toBe("syntax error: missing '}'")
    expect(reason("${x/'a/b}")).toBe("syntax error: missing '/' in ${}")
  })
})

describe('unterminated braces', () => {
  it('names the missing delimiter, with BuildKit quirks', () => {
    expect(reason('${')).toBe("syntax error: missing '}'")
    expect(reason('he${PWD:')).toBe("syntax error: missing '}'")
    expect(reason('${aaa:-bbb')).toBe("syntax error: missing '}'")
    expect(reason('${a:-${b}')).toBe("syntax error: missing '}'")
    expect(reason('${a#x')).toBe("syntax error: missing '}'")
    expect(reason('${a#x\\')).toBe("syntax error: missing '}'")
    expect(reason('${a/b')).toBe("syntax error: missing '/' in ${}")
    expect(reason('${a/b}')).toBe("syntax error: missing '/' in ${}")
    expect(reason('${a/b/c')).toBe("syntax error: missing '}'")
    // `${name` then the end: the next "modifier" is EOF, printed as U+FFFD
    expect(reason('he${PWD')).toBe('unsupported modifier (\uFFFD) in substitution')
    expect(reason('${aaa')).toBe('unsupported modifier (\uFFFD) in substitution')
  })
  it('treats } as a pattern character when / is missing', () => {
    expect(word('${F/a}/b}', { F: 'xa}y' })).toBe('xby')
  })
})

describe('names and $ forms', () => {
  it('reads names as letters, digits and _ in any script', () => {
    expect(word('$안녕!', { 안녕: 'hi' })).toBe('hi!')
    expect(word('$ab-c', { ab: 'X' })).toBe('X-c')
    expect(word('$1abc')).toBe('abc')
    expect(word('$\u0663x', { x: 'no' })).toBe('x') // an Arabic-Indic digit starts a positional name
    expect(word('$ $. $/ $')).toBe('$ $. $/ $')
    expect(word("$'x'")).toBe('$x')
  })
  it('records the names looked up', () => {
    const r = bs.processWord('$1 $$ ${PWD} ${NOPE:-$PWD} ${constructor}', {})
    expect([...r.matched]).toEqual([])
    expect([...r.unmatched].sort()).toEqual(['$', '1', 'NOPE', 'PWD', 'constructor'])
    const m = bs.processWord('${PWD:+x}', ENV)
    expect([...m.matched]).toEqual(['PWD'])
  })
  it('skips a byte order mark only at the very start', () => {
    expect(word('\uFEFFabc')).toBe('abc')
    expect(word('a\uFEFFb')).toBe('a\uFEFFb')
    expect(() => bs.processWord('\uFEFF${', {})).toThrow('failed to process "\\ufeff${"')
  })
})

describe('patterns in # % / modifiers', () => {
  const F = (v: string) => ({ F: v })
  it('treats [ ] as ordinary characters (no bracket expressions)', () => {
    expect(word('${F#[a]}', F('[a]x'))).toBe('x')
    expect(word('${F#[a]}', F('ax'))).toBe('ax')
    expect(word('${F/[ab]/-}', F('a[ab]'))).toBe('a-')
  })
  it('trims shortest and longest prefixes and suffixes', () => {
    expect(word('${F#*/}', F('a/b/c'))).toBe('b/c')
    expect(word('${F##*/}', F('a/b/c'))).toBe('c')
    expect(word('${F%/*}', F('a/b/c'))).toBe('a/b')
    expect(word('${F%%/*}', F('a/b/c'))).toBe('a')
    expect(word('${F#??}', F('abc'))).toBe('c')
    expect(word('${F%.*}', F('a.tar.gz'))).toBe('a.tar')
    expect(word('${F%%.*}', F('a.tar.gz'))).toBe('a')
    expect(word('${F#x}', F('abc'))).toBe('abc')
    expect(word('${F#}', {})).toBe('')
  })
  it('keeps escaped pairs in order when reversing for % forms', () => {
    expect(word('${F%\\*c}', F('ab*c'))).toBe('ab')
    expect(word('${F%\\}}', F('a}'))).toBe('a')
    expect(reversePattern('a\\*c')).toBe('c\\*a')
    expect(reversePattern('\\\\\\ab')).toBe('b\\a\\\\')
    expect(reversePattern('ab\\')).toBe('\\ba')
    expect(reversePattern('👽\\🚀🖖')).toBe('🖖\\🚀👽')
  })
  it('takes \\* \\? \\\\ literally', () => {
    expect(word('${F#\\\\}', F('\\x'))).toBe('x')
    expect(word('${F#\\?}', F('?x'))).toBe('x')
    expect(word('${F#\\?}', F('ax'))).toBe('ax')
  })
  it('matches whole code points', () => {
    expect(word('${F#?}', F('한국어'))).toBe('국어')
    expect(word('${F%?}', F('한국어'))).toBe('한국')
    expect(word('${F#?}', F('😀x'))).toBe('x')
    expect(word('${F//?/.}', F('😀x'))).toBe('..')
  })
  it('never lets * or ? match a newline (Go regexp .)', () => {
    expect(word('${F##*/}', F('a\nb/c'))).toBe('a\nb/c')
    expect(word('${F%%/*}', F('a/b\nc'))).toBe('a/b\nc')
    expect(word('${F#?}', F('\nx'))).toBe('\nx')
    expect(word('${F//*/-}', F('ab\ncd'))).toBe('-\n-')
  })
  it('skips a byte order mark at the start of a pattern', () => {
    expect(word('${F#\uFEFFa}', F('ab'))).toBe('b')
  })
  it('replaces greedily; all-replace skips an empty match right after a match', () => {
    expect(word('${F/a*b/X}', F('a1b2b3'))).toBe('X3')
    expect(word('${F//*/r}', F('abc'))).toBe('r')
    expect(word('${F///-}', F('ab'))).toBe('-a-b-')
    expect(word('${F//x*/-}', F('axbxc'))).toBe('a-')
    expect(word('${F/b/}', F('abcb'))).toBe('acb')
    expect(word('${F//b/}', F('abcb'))).toBe('ac')
  })
  it('expands Go templates in replace-all only', () => {
    expect(word('${F//a/<$R0>}', { ...F('xay'), ...ENV })).toBe('x<a>y')
    expect(word('${F/a/<$R0>}', { ...F('xay'), ...ENV })).toBe('x<$0>y')
    expect(word('${F//a/<$R1>}', { ...F('xay'), ...ENV })).toBe('x<>y')
    expect(word('${F//a/<$RD>}', { ...F('xay'), ...ENV })).toBe('x<$>y')
    expect(word('${F//a/<$RB>}', { ...F('xay'), ...ENV })).toBe('x<${x>y')
    expect(word('${F//a/\\$0}', F('xay'))).toBe('x\\ay')
    expect(word('${F/a/\\$0}', F('xay'))).toBe('x\\$0y')
  })
  it('keeps raw escapes from double quotes in patterns (doubled backslash)', () => {
    // "\*" inside ${F#…} becomes \\* : a literal backslash, then a star
    expect(word('${F#"\\*"}', F('\\*x'))).toBe('*x')
  })
  it('agrees with an equivalent JS regex for first matches', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '?', '\\*', '[')
    const pattern = fc.array(alphabet, { maxLength: 6 }).map((p) => p.join(''))
    const value = fc.array(fc.constantFrom('a', 'b', '.', '*', '['), { maxLength: 10 }).map((v) => v.join(''))
    const toRegex = (p: string, greedy: boolean, anchored: boolean) => {
      let src = anchored ? '^' : ''
      for (let i = 0; i < p.length; i++) {
        const c = p[i]!
        if (c === '*') src += greedy ? '[^\\n]*' : '[^\\n]*?'
        else if (c === '?') src += '[^\\n]'
        else if (c === '\\') src += '\\' + p[++i]!
        else src += c.replace(/[.[\]]/g, '\\$&')
      }
      return new RegExp(src, 'u')
    }
    fc.assert(
      fc.property(pattern, value, fc.boolean(), (p, v, greedy) => {
        const m = toRegex(p, greedy, true).exec(v)
        expect(trimPrefix(p, v, greedy)).toBe(m ? v.slice(m[0].length) : v)
        const r = toRegex(p, true, false).exec(v)
        expect(replacePattern(v, p, '#', false)).toBe(r ? v.slice(0, r.index) + '#' + v.slice(r.index + r[0].length) : v)
        const rev = (s: string) => [...s].reverse().join('')
        expect(trimSuffix(p, v, greedy)).toBe(rev(trimPrefix(reversePattern(p), rev(v), greedy)))
      }),
    )
  })
})

describe('words mode', () => {
  it('splits on unquoted whitespace, including Unicode spaces', () => {
    expect(words('a b  c')).toEqual(['a', 'b', 'c'])
    expect(words(' a\tb\nc\u00a0d\u3000e ')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(words('"a b" c')).toEqual(['a b', 'c'])
    expect(words("a' 'b")).toEqual(['a b'])
    expect(words('a\\ b')).toEqual(['a b'])
    expect(words('$X')).toEqual(['a', 'b'])
    expect(words('"$X"')).toEqual(['a b'])
  })
  it('keeps blanks after << in the word (heredoc detection)', () => {
    expect(words('cat << EOF')).toEqual(['cat', '<< EOF'])
    expect(words('a <<\t \rb c')).toEqual(['a', '<<\t \rb', 'c'])
    expect(words('x<<  y')).toEqual(['x<<  y'])
    expect(words('a < b')).toEqual(['a', '<', 'b'])
    expect(words('<<\vb')).toEqual(['<<', 'b'])
    expect(words('<<\nb')).toEqual(['<<', 'b'])
    expect(words('"<< a"')).toEqual(['<< a'])
    expect(words('\\<< a')).toEqual(['<<', 'a'])
    expect(words('${NOPE:-<< a}', {})).toEqual(['<<', 'a'])
    expect(words('<< a', ENV, bs.with({ skipProcessQuotes: true }))).toEqual(['<< a'])
    expect(word('cat <<  EOF')).toBe('cat <<  EOF')
    const heredocMode = bs.with({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true })
    expect(words('COPY <<-"EOF" <<  $X /dst', {}, heredocMode)).toEqual(['COPY', '<<-"EOF"', '<<  $X', '/dst'])
  })
  it('drops empty quoted words', () => {
    expect(words('""')).toEqual([])
    expect(words('"" a')).toEqual(['a'])
    expect(words("a ''")).toEqual(['a'])
  })
  it('keeps text gathered before a ${v:-…} or ${v/…} part: each nested pass has its own word', () => {
    expect(words('x${NOPE:-y}')).toEqual(['xy'])
    expect(word('x${NOPE:-y}')).toBe('xy')
    expect(words('80/${PROTO:-tcp}', {})).toEqual(['80/tcp'])
    expect(words('a b${NOPE:-}c')).toEqual(['a', 'bc'])
    expect(words('a"${NOPE:-y}"')).toEqual(['ay'])
    expect(words('x${PWD/h/H}')).toEqual(['x/Home'])
    expect(words('x${PWD}y$PWD')).toEqual(['x/homey/home'])
  })
})

describe('options', () => {
  it('rawQuotes keeps quotes', () => {
    expect(word('\'a\'"b$PWD"', ENV, bs.with({ rawQuotes: true }))).toBe('\'a\'"b/home"')
  })
  it('rawEscapes keeps escape tokens (twice for a plain \\x inside double quotes)', () => {
    const raw = bs.with({ rawEscapes: true })
    expect(word('a\\ b\\$PWD', ENV, raw)).toBe('a\\ b\\$PWD')
    expect(word('"a\\x"', ENV, raw)).toBe('a\\\\x')
    expect(word('"a\\"b"', ENV, raw)).toBe('a\\"b')
    expect(words('a\\ b', ENV, raw)).toEqual(['a\\ b'])
  })
  it('skipProcessQuotes treats quotes as text', () => {
    const sq = bs.with({ skipProcessQuotes: true })
    expect(word('\'$PWD\' "x y"', ENV, sq)).toBe('\'/home\' "x y"')
    expect(words('"x y"', ENV, sq)).toEqual(['"x', 'y"'])
  })
  it('skipUnsetEnv leaves unset references as written (but drops the second / of //)', () => {
    const su = bs.with({ skipUnsetEnv: true })
    expect(word('$N ${N} ${N:-d} ${N+$PWD} ${N/a/b} ${N//a/b} $PWD', ENV, su)).toBe(
      '$N ${N} ${N:-d} ${N+/home} ${N/a/b} ${N/a/b} /home',
    )
    expect(word('${EMPTY:-d}', ENV, su)).toBe('d')
    expect(() => su.processWord('${N:#x}', {})).toThrow('unsupported modifier (:#)')
  })
})

describe('environments', () => {
  it('accepts lists, maps, records and getters', () => {
    expect(word('$A-$B-$C', ['A=1', 'B', 'A=2', 'C=x=y'])).toBe('2--x=y')
    expect(bs.processWord('$B', ['B']).matched.has('B')).toBe(true)
    expect(word('$A', new Map([['A', 'm']]))).toBe('m')
    expect(word('$A', (n) => (n === 'A' ? 'g' : undefined))).toBe('g')
    expect(word('${toString:-unset}', {})).toBe('unset')
    expect(envFromList(['K=v=w'])('K')).toBe('v=w')
  })
  it('is case-sensitive (Unix)', () => {
    expect(word('he$pwd.')).toBe('he.')
  })
})

describe('goQuote', () => {
  it('quotes like Go strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(goQuote('\x07\b\f\n\r\t\v\x00\x7f')).toBe('"\\a\\b\\f\\n\\r\\t\\v\\x00\\x7f"')
    expect(goQuote('♥ 한국어 \u00a0\u200b\u{1f600}\u{e0001}')).toBe('"♥ 한국어 \\u00a0\\u200b\u{1f600}\\U000e0001"')
  })
})
