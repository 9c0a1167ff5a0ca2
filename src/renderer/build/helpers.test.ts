import { describe, expect, it } from 'vitest'
import type { DockerStatus } from '../../shared/engine-info'
import { effectiveBackend, loadChoice, maxRemembered, parseChoices, saveChoice, withChoice, type BackendChoices } from './backend-choice'
import { toStartArgs, initialForm } from './build-form'
import { formatDuration } from './format-duration'
import { appendLog, emptyLog, logLines, splitLines } from './log-lines'
import { addRecent, maxRecent, parseRecent, removeRecent } from './recent-projects'

describe('formatDuration', () => {
  it('reads like a build tool', () => {
    expect(formatDuration(0)).toBe('0ms')
    expect(formatDuration(12.4)).toBe('12ms')
    expect(formatDuration(1234)).toBe('1.23s')
    expect(formatDuration(14_260)).toBe('14.2s')
    expect(formatDuration(125_000)).toBe('2m 05s')
    expect(formatDuration(3_720_000)).toBe('1h 02m')
    expect(formatDuration(-1)).toBe('–')
  })
})

describe('log lines', () => {
  it('splits text into lines without an empty last line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b'])
    expect(splitLines('a\r\nb')).toEqual(['a', 'b'])
    expect(splitLines('')).toEqual([''])
  })

  it('stays within its bound and keeps the newest lines', () => {
    let log = emptyLog
    for (let i = 0; i < 1000; i++) log = appendLog(log, i % 2 ? 'stderr' : 'stdout', `${i}`, 300)
    expect(log.size).toBeLessThanOrEqual(300)
    expect(log.size + log.dropped).toBe(1000)
    const lines = logLines(log)
    expect(lines.at(-1)).toEqual({ stream: 'stderr', text: '999' })
    expect(lines.map((l) => Number(l.text))).toEqual(lines.map((_, i) => 1000 - lines.length + i))
  })

  it('never changes the buffer it was given', () => {
    const one = appendLog(emptyLog, 'stdout', 'a')
    const two = appendLog(one, 'stdout', 'b')
    expect(logLines(one)).toEqual([{ stream: 'stdout', text: 'a' }])
    expect(logLines(two).map((l) => l.text)).toEqual(['a', 'b'])
  })
})

describe('build form', () => {
  it('turns the controls into a startBuild request', () => {
    const form = { ...initialForm('sub/api.Dockerfile'), target: 'app', noCache: true, tag: ' app:dev ' }
    form.args = [
      { id: 1, key: 'VERSION', value: '1.2' },
      { id: 2, key: '', value: '' },
      { id: 3, key: 'EMPTY', value: '' },
    ]
    expect(toStartArgs('/p', form)).toEqual({
      ok: true,
      args: { dir: '/p', dockerfile: 'sub/api.Dockerfile', backend: 'embedded', target: 'app', noCache: true, tags: ['app:dev'], buildArgs: { VERSION: '1.2', EMPTY: '' } },
    })
    expect(toStartArgs('/p', initialForm('Dockerfile'))).toEqual({ ok: true, args: { dir: '/p', dockerfile: 'Dockerfile', backend: 'embedded' } })
  })

  it('says what to fix in build args and tags', () => {
    const bad = (args: { key: string; value: string }[], tag = '') =>
      toStartArgs('/p', { ...initialForm('Dockerfile'), tag, args: args.map((a, i) => ({ ...a, id: i })) })
    expect(bad([{ key: '', value: 'x' }])).toMatchObject({ ok: false, message: expect.stringContaining('no name') as string })
    expect(bad([{ key: 'A=B', value: 'x' }])).toMatchObject({ ok: false })
    expect(bad([{ key: 'A', value: '1' }, { key: 'A', value: '2' }])).toMatchObject({ ok: false, message: expect.stringContaining('twice') as string })
    expect(bad([], 'a b')).toMatchObject({ ok: false })
    const proto = toStartArgs('/p', { ...initialForm('Dockerfile'), args: [{ id: 1, key: '__proto__', value: 'x' }] })
    expect(proto.ok && Object.getPrototypeOf(proto.args.buildArgs)).toBe(Object.prototype)
    expect(proto.ok && Object.keys(proto.args.buildArgs ?? {})).toEqual(['__proto__'])
  })
})

describe('recent projects', () => {
  it('keeps the newest first, once each, and a bounded number', () => {
    let list: string[] = []
    for (let i = 0; i < 12; i++) list = addRecent(list, `/p${i}`)
    list = addRecent(list, '/p5')
    expect(list[0]).toBe('/p5')
    expect(list).toHaveLength(maxRecent)
    expect(new Set(list).size).toBe(list.length)
    expect(removeRecent(list, '/p5')).not.toContain('/p5')
  })

  it('reads back only what it can trust', () => {
    expect(parseRecent(null)).toEqual([])
    expect(parseRecent('not json')).toEqual([])
    expect(parseRecent('{"a":1}')).toEqual([])
    expect(parseRecent('["/a", 5, "", "/b"]')).toEqual(['/a', '/b'])
  })
})

describe('backend choice per project', () => {
  const up: DockerStatus = { available: true, host: 'unix:///run/docker.sock', version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'amd64' }
  const down: DockerStatus = { available: false, host: 'unix:///run/docker.sock', reason: 'connect ENOENT' }

  it('remembers Docker per folder, forgets the default, and survives junk in storage', () => {
    const storage = new Map<string, string>()
    const fake = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) }
    expect(loadChoice(fake, '/a')).toBe('embedded')
    saveChoice(fake, '/a', 'docker')
    saveChoice(fake, '/b', 'docker')
    expect(loadChoice(fake, '/a')).toBe('docker')
    saveChoice(fake, '/a', 'embedded')
    expect(loadChoice(fake, '/a')).toBe('embedded')
    expect(loadChoice(fake, '/b')).toBe('docker')
    expect(parseChoices('{"x":"podman","/c":"docker"}')).toEqual({ '/c': 'docker' })
    expect(parseChoices('[1]')).toEqual({})
    expect(parseChoices('not json')).toEqual({})
  })

  it('keeps only the newest choices', () => {
    let choices: BackendChoices = {}
    for (let i = 0; i < maxRemembered + 5; i++) choices = withChoice(choices, `/p${i}`, 'docker')
    expect(Object.keys(choices)).toHaveLength(maxRemembered)
    expect(choices['/p0']).toBeUndefined()
    expect(choices[`/p${maxRemembered + 4}`]).toBe('docker')
  })

  it('builds with Docker only while a daemon answers', () => {
    expect(effectiveBackend('docker', up)).toBe('docker')
    expect(effectiveBackend('docker', down)).toBe('embedded')
    expect(effectiveBackend('docker', undefined)).toBe('embedded')
    expect(effectiveBackend('embedded', up)).toBe('embedded')
  })

  it('puts the backend in the build request', () => {
    const form = initialForm('Dockerfile')
    const docker = toStartArgs('/p', { ...form, backend: 'docker' })
    expect(docker.ok && docker.args.backend).toBe('docker')
    const embedded = toStartArgs('/p', form)
    expect(embedded.ok && embedded.args.backend).toBe('embedded')
  })
})
