import { describe, expect, it } from 'vitest'
import { containerConfigJson, goJsonString, imageConfigJson, initialConfig } from '.'

describe('Go JSON encoding', () => {
  it('escapes like encoding/json (HTML-safe, \\b \\f short, line separators)', () => {
    expect(goJsonString('a"b\\c\n\r\t\b\f\u0001<>&\u2028\u2029é\u{1F600}\u007f')).toBe(
      '"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u003c\\u003e\\u0026\\u2028\\u2029é\u{1F600}\u007f"',
    )
    expect(goJsonString('\ud800x')).toBe('"\ufffdx"')
  })

  it('writes the config fields in struct order, maps sorted by bytes, empty ones left out', () => {
    const json = containerConfigJson({
      Shell: ['/bin/sh', '-c'],
      Labels: { b: '1', '10': 'x', a: '', '\u{1F600}': 'e', '\uffff': 'f' },
      Env: [],
      ExposedPorts: {},
      Healthcheck: {},
      ArgsEscaped: false,
      StopSignal: 'SIGTERM',
      User: 'u',
    })
    expect(json).toBe(
      '{"User":"u","Labels":{"10":"x","a":"","b":"1","\uffff":"f","\u{1F600}":"e"},"StopSignal":"SIGTERM","Healthcheck":{},"Shell":["/bin/sh","-c"]}',
    )
  })

  it('sorts top-level keys like a Go map and writes Go nils as null', () => {
    const image = { ...initialConfig('scratch', { os: 'linux', arch: 'arm', variant: 'v7' }), author: 'a', 'os.version': '1' }
    expect(imageConfigJson(image)).toBe(
      '{"architecture":"arm","author":"a","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"},' +
        '"created":null,"history":null,"os":"linux","os.version":"1","rootfs":{"type":"layers","diff_ids":null},"variant":"v7"}',
    )
  })
})
