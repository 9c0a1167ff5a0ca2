import { describe, expect, it } from 'vitest'
import { InstructionError, parseDockerfile, parseStages } from '../../dockerfile'
import { parseOnbuildTriggers } from '.'

const from = () => {
  const stage = parseStages(parseDockerfile('\n\nFROM base\n')).stages[0]
  if (stage === undefined) throw new Error('no stage')
  return stage.from
}

describe('parseOnbuildTriggers', () => {
  it('parses each trigger as its own one-line Dockerfile, placed at the FROM', () => {
    const at = from()
    const [env, run] = parseOnbuildTriggers(['ENV A=1', 'RUN --mount=type=cache,target=/c make'], at)
    expect(env).toMatchObject({ kind: 'env', line: 3, range: at.range, pairs: [{ key: 'A', value: '1' }] })
    expect(run).toMatchObject({ kind: 'run', line: 3, command: { form: 'shell', command: 'make' } })
    expect(run?.kind === 'run' && run.mounts[0]?.range).toBe(at.range)
  })

  it('reports bad triggers at the FROM line', () => {
    const at = from()
    const fail = (t: string) => () => parseOnbuildTriggers([t], at)
    expect(fail('ENV A=1\nENV B=2')).toThrow(InstructionError)
    expect(fail('ENV A=1\nENV B=2')).toThrow('line 3: onbuild trigger should be a single expression')
    expect(fail('BOGUS x')).toThrow(/line 3: unknown instruction: BOGUS/)
    expect(fail('COPY --nope a b')).toThrow(/line 3: unknown flag: --nope/)
  })
})
