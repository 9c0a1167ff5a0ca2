import { describe, expect, it } from 'vitest'
import { DockerfileParseError, dumpResult, instructionArgs, parseDockerfile } from './index'
import type { ParseOptions } from './index'

function parseError(text: string, options?: ParseOptions): DockerfileParseError {
  try {
    parseDockerfile(text, options)
  } catch (e) {
    if (e instanceof DockerfileParseError) return e
    throw e
  }
  throw new Error('expected a DockerfileParseError')
}

const lines = (error: DockerfileParseError) => [error.location.start.line, error.location.end.line]

describe('parse errors', () => {
  it('reports an empty file, blank lines only and comments only as having no instructions', () => {
    for (const text of ['', '\n\n  \n', '# one\n# two\n']) {
      const error = parseError(text)
      expect(error.detail).toBe('file with no instructions')
      expect(error.location.start.line).toBeGreaterThanOrEqual(1)
    }
    expect(parseError('# one\n# two\n').message).toBe('dockerfile parse error on line 2: file with no instructions')
  })

  it('rejects a repeated or invalid directive on the directive line', () => {
    const twice = parseError('# escape=`\n# escape=\\\nFROM a\n')
    expect(twice.detail).toBe('only one escape parser directive can be used')
    expect(lines(twice)).toEqual([2, 2])
    const invalid = parseError('# escape=x\nFROM a\n')
    expect(invalid.detail).toBe("invalid escape token 'x' does not match ` or \\")
    expect(lines(invalid)).toEqual([1, 1])
    // Go's \s has no \v, so the value keeps it and is not a valid token.
    expect(parseError('# escape=\\\v\nFROM a').detail).toMatch(/^invalid escape token/)
  })

  it('gives ENV/LABEL errors the span of the whole instruction', () => {
    const error = parseError('FROM a\nENV PATH \\\n\n')
    expect(error.message).toBe('dockerfile parse error on line 2: ENV must have two arguments')
    expect(lines(error)).toEqual([2, 3])
    expect(parseError('FROM a\nLABEL only').detail).toBe('LABEL must have two arguments')
    expect(parseError('FROM a\nENV a=1 "b c"').detail).toBe(
      `Syntax error - can't find = in "\\"b c\\"". Must be of the form: name=value`,
    )
  })

  it('makes a JSON array with non-strings a hard error, anywhere JSON is tried', () => {
    for (const line of ['CMD ["a", 1]', 'RUN [true]', 'COPY [["x"], "/y"]', 'HEALTHCHECK CMD [null]', 'ONBUILD RUN [{}]']) {
      expect(parseError(`FROM a\n${line}`).detail).toBe(
        'when using JSON array syntax, arrays must be comprised of strings only',
      )
    }
  })

  it('suggests the nearest instruction, in the case the user wrote', () => {
    expect(parseError('RUNN echo').detail).toBe('unknown instruction: RUNN (did you mean RUN?)')
    expect(parseError('FROM a\ncpy . /').detail).toBe('unknown instruction: cpy (did you mean copy?)')
    expect(parseError('FROM a\nWorkdr /x').detail).toBe('unknown instruction: Workdr (did you mean workdir?)')
    expect(parseError('FROM a\nfrobnicate x').detail).toBe('unknown instruction: frobnicate')
    const error = parseError('FROM a\n\n  EXPOS 80\n')
    expect(error.message).toBe('dockerfile parse error on line 3: unknown instruction: EXPOS (did you mean EXPOSE?)')
    expect(error.location).toEqual({ start: { line: 3, column: 3 }, end: { line: 3, column: 11 } })
  })

  it('checks instructions only after the whole file parsed, as BuildKit does', () => {
    expect(parseError('BOGUS x\nRUN <<EOF\n').detail).toBe('unterminated heredoc')
    const raw = parseDockerfile('FROM a\nbogus x y', { rejectUnknownInstructions: false })
    expect(dumpResult(raw)).toBe('(from "a")\n(bogus "")\n')
  })

  it('treats a BOM after the first line as part of the text (Go does not count it as space)', () => {
    expect(parseError('FROM a\n\uFEFFRUN x').detail).toBe('unknown instruction: \uFEFFRUN (did you mean RUN?)')
  })

  it('rejects a line of 64 KiB or more, as bufio.Scanner does', () => {
    const ok = 'FROM a\nLABEL x=' + 'a'.repeat(65535 - 'LABEL x='.length) + '\n'
    expect(parseDockerfile(ok).ast.children).toHaveLength(2)
    const tooLong = 'FROM a\nLABEL x=' + 'é'.repeat(32768) + '\nRUN b\n'
    const error = parseError(tooLong)
    expect(error.detail).toBe('dockerfile line greater than max allowed size of 65535')
    expect(lines(error)).toEqual([2, 2])
  })

  it('reports a heredoc delimiter the lexer cannot read', () => {
    const error = parseError('FROM a\nRUN <<${x:-a b}\n')
    expect(error.detail).toBe(`failed to process "\${x:-a": syntax error: missing '}'`)
  })

  it('ignores heredocs on a line the lexer cannot split (unterminated quote)', () => {
    const { ast } = parseDockerfile('FROM a\nRUN <<EOF echo "open\nRUN b\n')
    expect(ast.children.map((c) => c.heredocs.length)).toEqual([0, 0, 0])
  })

  it('never recognises heredocs in JSON form or in other instructions', () => {
    const { ast } = parseDockerfile('FROM a\nRUN ["<<EOF"]\nENV x=<<EOF\nLABEL y <<EOF\n')
    expect(ast.children.every((c) => c.heredocs.length === 0)).toBe(true)
  })
})

describe('warnings', () => {
  it('matches TestParseWarnsOnEmptyContinutationLine', () => {
    const text = `
FROM alpine:3.6

RUN something \\

    following \\

    more

RUN another \\

    thing
RUN non-indented \\
# this is a comment
   after-comment

RUN indented \\
    # this is an indented comment
    comment
\t`
    const { warnings } = parseDockerfile(text)
    expect(warnings.map((w) => w.message)).toEqual([
      'Empty continuation line found in: RUN something     following     more',
      'Empty continuation line found in: RUN another     thing',
    ])
    expect(warnings[0]?.range).toEqual({ start: { line: 5, column: 1 }, end: { line: 7, column: 1 } })
    expect(warnings[1]?.range.start.line).toBe(11)
    expect(warnings.every((w) => w.rule === 'NoEmptyContinuation' && w.url.includes('no-empty-continuation'))).toBe(true)
  })
})

describe('directives', () => {
  it('accepts any case, spaces around =, leading blanks, and records each directive', () => {
    const result = parseDockerfile('  # ESCAPE = `  \n#syntax=docker/dockerfile:1.7\n# check = skip=all;error=true\nFROM `\n a')
    expect(result.escapeToken).toBe('`')
    expect(result.directives.map((d) => [d.name, d.value, d.range.start.line])).toEqual([
      ['escape', '`', 1],
      ['syntax', 'docker/dockerfile:1.7', 2],
      ['check', 'skip=all;error=true', 3],
    ])
    expect(dumpResult(result)).toBe('(from "a")\n')
  })

  it('stops at a blank line, an unknown name or an empty value', () => {
    expect(parseDockerfile('# syntax=x\n\n# escape=`\nFROM a').directives).toHaveLength(1)
    expect(parseDockerfile('# foo=bar\n# escape=`\nFROM a').escapeToken).toBe('\\')
    expect(parseDockerfile('# escape=\n# escape=`\nFROM a').escapeToken).toBe('\\')
  })

  it('does not keep directives among the comments of the first instruction', () => {
    const { ast } = parseDockerfile('# syntax=x\n# describes FROM\nFROM a\n#\n# after reset\nRUN b')
    expect(ast.children.map((c) => c.prevComment)).toEqual([['describes FROM'], ['after reset']])
  })
})

describe('instructions', () => {
  it('keeps the keyword as written and dumps it lower-cased', () => {
    const result = parseDockerfile('from a\nRun b\nExpoSe 80 443/udp')
    expect(result.ast.children.map((c) => [c.value, c.keyword])).toEqual([
      ['from', 'from'],
      ['Run', 'run'],
      ['ExpoSe', 'expose'],
    ])
    expect(dumpResult(result)).toBe('(from "a")\n(run "b")\n(expose "80" "443/udp")\n')
  })

  it('parses HEALTHCHECK types and leaves their validation to later', () => {
    const dump = dumpResult(parseDockerfile('FROM a\nHEALTHCHECK NONE\nHEALTHCHECK cmd ["a", "b"]\nHEALTHCHECK --retries=3'))
    expect(dump).toBe('(from "a")\n(healthcheck "NONE")\n(healthcheck "cmd" "a" "b")\n(healthcheck ["--retries=3"])\n')
    const { ast } = parseDockerfile('FROM a\nHEALTHCHECK CMD ["x"]')
    expect(ast.children[1]?.attributes.json).toBe(true)
  })

  it('quotes values the way Go strconv.Quote does', () => {
    const dump = dumpResult(parseDockerfile('FROM a\nCMD echo \u00a0 \u200b \u2665 \u0007 \u007f \u{1F600} \u{E0001} 한국어'))
    expect(dump).toBe('(from "a")\n(cmd "echo \\u00a0 \\u200b ♥ \\a \\x7f 😀 \\U000e0001 한국어")\n')
  })

  it('lists arguments like BuildKit nodeArgs, flattening ONBUILD', () => {
    const { ast } = parseDockerfile('FROM a AS b\nONBUILD COPY --from=x a b\nENV k=v')
    expect(ast.children.map(instructionArgs)).toEqual([['a', 'AS', 'b'], ['COPY', 'a', 'b'], ['k', 'v', '=']])
  })

  it('resolves flag escapes with \\ whatever the escape directive says', () => {
    const dump = dumpResult(parseDockerfile('# escape=`\nFROM a\nCOPY --chown=a\\ b --chmod=a` c d'))
    expect(dump).toBe('(from "a")\n(copy ["--chown=a b" "--chmod=a`"] "c" "d")\n')
  })

  it('mangles non-ASCII flag text byte by byte, as Go does', () => {
    // `à` is C3 A0 in UTF-8; Go's flag loop takes A0 for a blank and C3 for 'Ã'.
    expect(dumpResult(parseDockerfile('FROM a\nCOPY --chown=à x y'))).toBe('(from "a")\n(copy ["--chown=Ã"] "x" "y")\n')
  })
})
