import { describe, expect, it } from 'vitest'
import { parseDockerfile, parseStages } from '../../dockerfile'
import type { RunInstruction } from '../../dockerfile'
import { runArgs, runCommandString } from '.'

function run(text: string): RunInstruction {
  const c = parseStages(parseDockerfile(`FROM scratch\n${text}\n`)).stages[0]?.instructions[0]
  if (c?.kind !== 'run') throw new Error('not a RUN')
  return c
}

describe('runArgs (dispatchRun argv)', () => {
  it('shell form through SHELL or the OS default, exec form as is', () => {
    expect(runArgs(run('RUN a  b'), undefined, 'linux')).toEqual(['/bin/sh', '-c', 'a  b'])
    expect(runArgs(run('RUN a'), ['pwsh', '-c'], 'linux')).toEqual(['pwsh', '-c', 'a'])
    expect(runArgs(run('RUN a'), [], 'windows')).toEqual(['cmd', '/S', '/C', 'a'])
    expect(runArgs(run('RUN ["a", "b c"]'), ['x'], 'linux')).toEqual(['a', 'b c'])
  })

  it('heredocs: a lone heredoc runs its body, a shebang body runs from /dev/pipes, else one script', () => {
    expect(runArgs(run('RUN <<EOF\necho 1\nEOF'), undefined, 'linux')).toEqual(['/bin/sh', '-c', 'echo 1\n'])
    expect(runArgs(run('RUN <<-EOF\n\techo 1\n\tEOF'), undefined, 'linux')).toEqual(['/bin/sh', '-c', 'echo 1\n'])
    expect(runArgs(run('RUN <<EOF\n#!/bin/ash\necho 1\nEOF'), undefined, 'linux')).toEqual(['/bin/sh', '-c', '/dev/pipes/EOF'])
    expect(runArgs(run('RUN <<EOF\n#!/bin/ash\nEOF'), undefined, 'windows')).toEqual(['cmd', '/S', '/C', '#!/bin/ash\n'])
    expect(runArgs(run('RUN python3 <<EOF\nprint(1)\nEOF'), undefined, 'linux')).toEqual(['/bin/sh', '-c', 'python3 <<EOF\nprint(1)\nEOF'])
  })
})

describe('runCommandString', () => {
  it('no args: just the argv', () => expect(runCommandString(['a', 'b'], [], [])).toBe('a b'))
  it('first position, last value, env before the ARG value', () => {
    const args = [
      { key: 'x', value: '1' },
      { key: 'y', value: null },
      { key: 'x', value: '2' },
      { key: 'z', value: 'own' },
    ]
    expect(runCommandString(['c'], args, [['x', '3']])).toBe('|3 x=3 y= z=own c')
  })
})
