import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import { applyTextEdits } from './apply-edits'
import { lintDockerfile } from './index'

const lint = (text: string) => lintDockerfile(parseDockerfile(text), text)
const at = (text: string, rule: string) => lint(text).filter((f) => f.rule === rule)

describe('word ranges in RUN scripts', () => {
  it('follow continuation lines past comment and blank lines', () => {
    const text = 'FROM alpine:3.20\nRUN set -eux; \\\n# a comment inside the continuation\n\n    apk add \\\n        curl\n'
    const [found] = at(text, 'apk-no-cache')
    expect(found?.range).toEqual({ start: { line: 5, column: 5 }, end: { line: 5, column: 12 } })
    expect(applyTextEdits(text, found?.fixes[0]?.edits ?? []).split('\n')[4]).toBe('    apk add --no-cache \\')
  })

  it('honour the escape directive', () => {
    const text = '# escape=`\nFROM alpine:3.20\nRUN apk update && `\n    apk add curl\n'
    expect(at(text, 'apk-no-cache')[0]?.range).toEqual({ start: { line: 4, column: 5 }, end: { line: 4, column: 12 } })
  })

  it('count columns in UTF-16 units after non-ASCII text', () => {
    const text = 'FROM alpine:3.20\nRUN echo "héllo wörld ✓" && apk add curl\n'
    const [found] = at(text, 'apk-no-cache')
    expect(found?.range.start).toEqual({ line: 2, column: 'RUN echo "héllo wörld ✓" && '.length + 1 })
    expect(applyTextEdits(text, found?.fixes[0]?.edits ?? [])).toBe('FROM alpine:3.20\nRUN echo "héllo wörld ✓" && apk add --no-cache curl\n')
  })

  it('point into heredoc bodies run by a shell, not into bodies fed to other programs', () => {
    const text = 'FROM python:3.12\nRUN bash -e <<EOF\npip install flask\nEOF\nCOPY a /a\nRUN cat <<EOF > /req.txt\npip install flask\nEOF\n'
    expect(at(text, 'pip-no-cache-dir').map((f) => f.range)).toEqual([{ start: { line: 3, column: 1 }, end: { line: 3, column: 12 } }])
  })

  it('give no append fix when the script ends in a comment or a background job', () => {
    expect(at('FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends x # why\n', 'apt-lists-left')[0]?.fixes).toEqual([])
    expect(at('FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends x &\n', 'apt-lists-left')[0]?.fixes).toEqual([])
  })
})
