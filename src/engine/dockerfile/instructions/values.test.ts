import { describe, expect, it } from 'vitest'
import { parseChmod } from './chmod'
import { checkSignal, parsePortSpecs } from './config-values'
import { EnvList, addImageEnv } from './env-list'
import { parseFlags } from './flags'
import { atoi, parseBool, parseGoDuration, parseInt, parseUint, ramInBytes } from './go-parse'
import { formatPlatform, normalizePlatform, parsePlatform, platformArgs } from './platform'
import type { FlagNode } from '../syntax'

const at = { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } }
const flags = (...words: string[]): FlagNode[] => words.map((value) => ({ value, range: at }))

describe('parseFlags (BFlags)', () => {
  const spec = [['link', 'bool'], ['from', 'string'], ['exclude', 'strings']] as const
  it('reads bool, string and repeatable flags', () => {
    const parsed = parseFlags(flags('--link', '--from=a=b', '--exclude=x', '--exclude=y'), spec)
    expect([parsed.bool('link'), parsed.string('from'), parsed.strings('exclude')]).toEqual([true, 'a=b', ['x', 'y']])
    expect(parsed.usedNames).toEqual(['link', 'from', 'exclude'])
    expect(parseFlags(flags('--link=False'), spec).bool('link')).toBe(false)
    expect(parseFlags([], spec).string('from')).toBeNull()
    expect(parseFlags(flags('--from='), spec).string('from')).toBe('')
  })
  it('stops at a bare --', () => {
    expect(parseFlags(flags('--link', '--', '--bogus'), spec).used('link')).toBe(true)
  })
  it('uses BuildKit texts for bad flags', () => {
    expect(() => parseFlags(flags('-x'), spec)).toThrow('arg should start with -- : -x')
    expect(() => parseFlags(flags('--lnk'), spec)).toThrow('unknown flag: --lnk (did you mean link?)')
    expect(() => parseFlags(flags('--link', '--link'), spec)).toThrow('duplicate flag specified: --link')
    expect(() => parseFlags(flags('--from'), spec)).toThrow('missing a value on flag: --from')
    expect(() => parseFlags(flags('--exclude'), spec)).toThrow('missing a value on flag: --exclude')
    expect(() => parseFlags(flags('--link=yes'), spec)).toThrow('expecting boolean value for flag --link, not: yes')
  })
})

describe('Go parsers', () => {
  it('time.ParseDuration', () => {
    expect(parseGoDuration('1h2m3.5s')).toBe(3723.5e9)
    expect(parseGoDuration('1.5us')).toBe(1500)
    expect(parseGoDuration('-2ms')).toBe(-2e6)
    expect(parseGoDuration('0')).toBe(0)
    expect(parseGoDuration('.5s')).toBe(0.5e9)
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""')
    expect(() => parseGoDuration('1')).toThrow('time: missing unit in duration "1"')
    expect(() => parseGoDuration('1d')).toThrow('time: unknown unit "d" in duration "1d"')
    expect(() => parseGoDuration('.s')).toThrow('time: invalid duration ".s"')
    expect(() => parseGoDuration('3000000h')).toThrow('time: invalid duration "3000000h"')
  })
  it('strconv', () => {
    expect(parseUint('755', 8, 32)).toBe(0o755)
    expect(() => parseUint('8', 8, 32)).toThrow('strconv.ParseUint: parsing "8": invalid syntax')
    expect(() => parseUint('-1', 10, 32)).toThrow('invalid syntax')
    expect(parseInt('-12', 10, 32)).toBe(-12)
    expect(() => parseInt('2147483648', 10, 32)).toThrow('value out of range')
    expect(atoi('+3')).toBe(3)
    expect(atoi('3x')).toBeNull()
    expect([parseBool('T'), parseBool('0'), parseBool('yes')]).toEqual([true, false, null])
  })
  it('go-units RAMInBytes', () => {
    expect([ramInBytes('100'), ramInBytes('1k'), ramInBytes('1.5GiB'), ramInBytes('2 mb')]).toEqual([
      100,
      1024,
      1.5 * 1024 ** 3,
      2 * 1024 ** 2,
    ])
    expect(ramInBytes('1x')).toBeNull()
  })
})

describe('parseChmod', () => {
  const msg = (v: string) => `invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`
  it('accepts octal up to 07777', () => {
    expect(parseChmod('0')).toEqual({ kind: 'octal', mode: 0 })
    expect(parseChmod('755')).toEqual({ kind: 'octal', mode: 0o755 })
    expect(parseChmod('07777')).toEqual({ kind: 'octal', mode: 0o7777 })
    expect(() => parseChmod('10000')).toThrow(msg('10000'))
    expect(() => parseChmod('64a')).toThrow(msg('64a'))
    expect(() => parseChmod('9')).toThrow(msg('9'))
  })
  it('accepts symbolic modes (Dockerfile 1.14+)', () => {
    for (const mode of ['+x', 'u=rwX,go=rX', 'a+rX,go-w', 'g=u-w', 'o=', 'u+s', '=rw,+X']) {
      expect(parseChmod(mode)).toEqual({ kind: 'symbolic', mode })
    }
    for (const mode of ['abc', 'u', 'u+x,', 'x+r', 'u+x,,g+w', '+x y']) {
      expect(() => parseChmod(mode)).toThrow('invalid syntax')
    }
  })
})

describe('EXPOSE port specs and STOPSIGNAL', () => {
  it('expands ranges, defaults and lower-cases protocols', () => {
    expect(parsePortSpecs(['80', '53/UDP', '8000-8002/tcp', '127.0.0.1:8080:80', '[::1]:1:2/sctp'])).toEqual([
      '80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp', '80/tcp', '2/sctp',
    ])
  })
  it('refuses bad specs', () => {
    expect(() => parsePortSpecs(['80/xyz'])).toThrow('invalid proto: xyz')
    expect(() => parsePortSpecs(['99999'])).toThrow('invalid containerPort: 99999')
    expect(() => parsePortSpecs(['9-8'])).toThrow('invalid containerPort: 9-8')
    expect(() => parsePortSpecs(['x:80'])).toThrow('invalid hostPort: x')
    expect(() => parsePortSpecs(['1-2:3-5'])).toThrow('invalid ranges specified for container and host Ports: 3-5 and 1-2')
    expect(() => parsePortSpecs(['a.b:1:80'])).toThrow('invalid IP address: a.b')
  })
  it('checks signals like moby/sys/signal', () => {
    for (const ok of ['SIGKILL', 'kill', 'SIGRTMIN+3', 'RTMAX-1', '9', '-1']) expect(() => checkSignal(ok)).not.toThrow()
    for (const bad of ['0', 'SIGFOO', 'RTMIN+16', '']) expect(() => checkSignal(bad)).toThrow(`invalid signal: ${bad}`)
  })
})

describe('platforms', () => {
  it('parses specifiers like containerd', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', arch: 'arm64', variant: '' })
    expect(parsePlatform('linux/arm/v6')).toEqual({ os: 'linux', arch: 'arm', variant: 'v6' })
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', arch: 'arm', variant: '' })
    expect(parsePlatform('Linux/x86_64')).toEqual({ os: 'linux', arch: 'amd64', variant: '' })
    expect(parsePlatform('windows')).toEqual({ os: 'windows', arch: 'amd64', variant: '' })
    expect(parsePlatform('arm64')).toEqual({ os: 'linux', arch: 'arm64', variant: '' })
    expect(() => parsePlatform('nonsense')).toThrow('"nonsense": unknown operating system or architecture: invalid argument')
    expect(() => parsePlatform('a/b/c/d')).toThrow('"a/b/c/d": cannot parse platform specifier: invalid argument')
    expect(() => parsePlatform('linux/$X')).toThrow('"$X" is an invalid component of "linux/$X"')
  })
  it('normalizes and formats', () => {
    expect(formatPlatform(normalizePlatform({ os: 'linux', arch: 'aarch64', variant: 'v8' }))).toBe('linux/arm64')
    expect(formatPlatform(normalizePlatform({ os: 'linux', arch: 'arm', variant: '' }))).toBe('linux/arm/v7')
  })
  it('gives the automatic args, overridable', () => {
    const args = platformArgs(
      { os: 'linux', arch: 'amd64', variant: '' },
      { os: 'linux', arch: 'arm', variant: 'v7' },
      '',
      new Map([['TARGETOS', 'freebsd']]),
    )
    expect(Object.fromEntries(args)).toEqual({
      BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDOSVERSION: '', BUILDARCH: 'amd64', BUILDVARIANT: '',
      TARGETPLATFORM: 'linux/arm/v7', TARGETOS: 'freebsd', TARGETOSVERSION: '', TARGETARCH: 'arm', TARGETVARIANT: 'v7',
      TARGETSTAGE: 'default',
    })
  })
})

describe('EnvList', () => {
  it('moves a redefined name to the end; the image config replaces in place', () => {
    const env = EnvList.fromStrings(['A=1', 'B=2', 'C']).set('A', '3')
    expect(env.toStrings()).toEqual(['B=2', 'C=', 'A=3'])
    expect(addImageEnv(['A=1', 'B=2'], 'A', '3')).toEqual(['A=3', 'B=2'])
    expect(addImageEnv(['A=1'], 'B', '2')).toEqual(['A=1', 'B=2'])
  })
})
