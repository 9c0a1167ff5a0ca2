import { describe, expect, it } from 'vitest'
import { tokenizeShell } from './shell-script'

const words = (script: string) => tokenizeShell(script).commands.map((c) => c.words.map((w) => w.value))

describe('tokenizeShell', () => {
  it('splits commands at &&, ||, ;, |, & and newlines', () => {
    expect(words('a 1 && b 2 || c; d | e & f\ng')).toEqual([['a', '1'], ['b', '2'], ['c'], ['d'], ['e'], ['f'], ['g']])
    expect(tokenizeShell('a && b; c').commands.map((c) => c.followedBy)).toEqual(['&&', ';', 'end'])
  })

  it('keeps quoted operators and spaces inside one word, quotes removed', () => {
    expect(words(`echo "a && b" 'c; d' e\\ f`)).toEqual([['echo', 'a && b', 'c; d', 'e f']])
  })

  it('joins backslash-newline continuations and keeps $(…) and ${…} whole', () => {
    expect(words('apt-get \\\n  install $(cat list | sort) ${X:-y}')).toEqual([['apt-get', 'install', '$(cat list | sort)', '${X:-y}']])
  })

  it('leaves redirections and their targets out of the words', () => {
    expect(words('apt-get update > /dev/null 2>&1 && cat <<EOF >out')).toEqual([['apt-get', 'update'], ['cat']])
  })

  it('gives word offsets in the script', () => {
    const [command] = tokenizeShell('  apt-get  -y install').commands
    expect(command?.words.map((w) => [w.start, w.end])).toEqual([[2, 9], [11, 13], [14, 21]])
  })

  it('notes comments, whose words are not commands', () => {
    const script = tokenizeShell('echo hi # apt-get install x\nls')
    expect(script.hasComment).toBe(true)
    expect(script.commands.map((c) => c.words.map((w) => w.value))).toEqual([['echo', 'hi'], ['ls']])
  })
})
