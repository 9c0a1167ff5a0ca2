import { describe, expect, it } from 'vitest'
import { familiarName, familiarReference, formatReference, parseImageReference, parseTagReference, repositoryName } from './image-refs'
import { StoreError } from './store-errors'

const digest = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c'

function reason(input: string): string {
  try {
    parseImageReference(input)
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('invalid-reference')
    return (error as Error).message
  }
  throw new Error(`${input} was accepted`)
}

describe('parseImageReference', () => {
  // distribution/reference normalize_test.go TestValidateReferenceName and TestValidateRemoteName.
  it.each([
    'docker/docker',
    'library/debian',
    'debian',
    'docker.io/docker/docker',
    'docker.io/library/debian',
    'docker.io/debian',
    'index.docker.io/docker/docker',
    'index.docker.io/library/debian',
    'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/debian',
    '192.168.0.1',
    '192.168.0.1:80',
    '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker',
    'DOCKER/docker',
    'docker-rules/docker',
    'docker---rules/docker',
    'doc/docker',
    'd/docker',
    'jess/t',
    'dock__er/docker',
  ])('accepts %s', (input) => {
    expect(() => parseImageReference(input)).not.toThrow()
  })

  it.each([
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '-docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    '',
    `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
    'app:-tag',
    `app:${'t'.repeat(129)}`,
    'app@sha256:abc',
    `app@sha256:${'A'.repeat(64)}`,
    `app@md5:${'a'.repeat(32)}`,
    'a b',
    'x'.repeat(2000),
  ])('rejects %j', (input) => {
    expect(reason(input)).toMatch(/^invalid image reference/)
  })

  // TestParseRepositoryInfo: familiar, full and ambiguous spellings of the same repository.
  it.each([
    { spellings: ['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'], familiar: 'fooo/bar', domain: 'docker.io', path: 'fooo/bar' },
    { spellings: ['ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu'], familiar: 'ubuntu', domain: 'docker.io', path: 'library/ubuntu' },
    { spellings: ['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu'], familiar: 'nonlibrary/ubuntu', domain: 'docker.io', path: 'nonlibrary/ubuntu' },
    { spellings: ['other/library', 'docker.io/other/library'], familiar: 'other/library', domain: 'docker.io', path: 'other/library' },
    { spellings: ['127.0.0.1:8000/private/moonbase'], familiar: '127.0.0.1:8000/private/moonbase', domain: '127.0.0.1:8000', path: 'private/moonbase' },
    { spellings: ['127.0.0.1:8000/privatebase'], familiar: '127.0.0.1:8000/privatebase', domain: '127.0.0.1:8000', path: 'privatebase' },
    { spellings: ['example.com/private/moonbase'], familiar: 'example.com/private/moonbase', domain: 'example.com', path: 'private/moonbase' },
    { spellings: ['example.com:8000/privatebasee'], familiar: 'example.com:8000/privatebasee', domain: 'example.com:8000', path: 'privatebasee' },
    {
      spellings: ['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'index.docker.io/library/ubuntu-12.04-base'],
      familiar: 'ubuntu-12.04-base',
      domain: 'docker.io',
      path: 'library/ubuntu-12.04-base',
    },
    { spellings: ['foo', 'docker.io/library/foo', 'docker.io/foo'], familiar: 'foo', domain: 'docker.io', path: 'library/foo' },
    { spellings: ['library/foo/bar', 'docker.io/library/foo/bar'], familiar: 'library/foo/bar', domain: 'docker.io', path: 'library/foo/bar' },
    { spellings: ['store/foo/bar', 'docker.io/store/foo/bar'], familiar: 'store/foo/bar', domain: 'docker.io', path: 'store/foo/bar' },
    { spellings: ['Foo/bar'], familiar: 'Foo/bar', domain: 'Foo', path: 'bar' },
    { spellings: ['FOO/bar'], familiar: 'FOO/bar', domain: 'FOO', path: 'bar' },
    { spellings: ['test_com/foo'], familiar: 'test_com/foo', domain: 'docker.io', path: 'test_com/foo' },
    { spellings: ['test-com:8080/foo'], familiar: 'test-com:8080/foo', domain: 'test-com:8080', path: 'foo' },
    { spellings: ['xn--n3h.com:18080/foo'], familiar: 'xn--n3h.com:18080/foo', domain: 'xn--n3h.com:18080', path: 'foo' },
    { spellings: ['localhost/foo'], familiar: 'localhost/foo', domain: 'localhost', path: 'foo' },
  ])('normalizes $spellings', ({ spellings, familiar, domain, path }) => {
    for (const spelling of spellings) {
      const ref = parseImageReference(spelling)
      expect(ref).toEqual({ domain, path, tag: 'latest' })
      expect(familiarName(ref)).toBe(familiar)
      expect(repositoryName(ref)).toBe(`${domain}/${path}`)
    }
  })

  // TestParseAnyReference and the forms the brief names.
  it.each([
    ['app', 'docker.io/library/app:latest', 'app:latest'],
    ['redis:latest', 'docker.io/library/redis:latest', 'redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest', 'redis:latest'],
    [`redis@${digest}`, `docker.io/library/redis@${digest}`, `redis@${digest}`],
    ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp:latest', 'dmcgowan/myapp:latest'],
    [`dmcgowan/myapp@${digest}`, `docker.io/dmcgowan/myapp@${digest}`, `dmcgowan/myapp@${digest}`],
    ['localhost:5000/x/y:1', 'localhost:5000/x/y:1', 'localhost:5000/x/y:1'],
    [`busybox:latest@${digest}`, `docker.io/library/busybox:latest@${digest}`, `busybox:latest@${digest}`],
    ['dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', 'docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest', 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest'],
    ['dbcc1', 'docker.io/library/dbcc1:latest', 'dbcc1:latest'],
    ['app:V1.0_rc-2', 'docker.io/library/app:V1.0_rc-2', 'app:V1.0_rc-2'],
  ])('%s → %s', (input, full, familiar) => {
    const ref = parseImageReference(input)
    expect(formatReference(ref)).toBe(full)
    expect(familiarReference(ref)).toBe(familiar)
  })

  it('can leave the tag off', () => {
    expect(parseImageReference('app', { defaultTag: false })).toEqual({ domain: 'docker.io', path: 'library/app' })
  })

  it("explains failures with Docker's reasons", () => {
    expect(reason('App')).toMatch(/repository name \(library\/App\) must be lowercase/)
    expect(reason('docker.io/docker/Docker')).toMatch(/repository name \(docker\/Docker\) must be lowercase/)
    expect(reason('1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a')).toMatch(/cannot specify 64-byte hexadecimal strings/)
    expect(reason('app@sha256:abc')).toMatch(/invalid reference format$/)
    expect(reason(`app@sha256:${'a'.repeat(63)}0a`)).toMatch(/invalid checksum digest length/)
    expect(reason(`app@sha256:${'A'.repeat(64)}`)).toMatch(/invalid checksum digest format/)
    expect(reason(`app@foo:${'a'.repeat(64)}`)).toMatch(/unsupported digest algorithm/)
    expect(reason(`${'a'.repeat(256)}/b`)).toMatch(/must not be more than 255 characters/)
  })
})

describe('parseTagReference', () => {
  it('refuses digests, since a tag cannot be a digest', () => {
    expect(parseTagReference('app')).toEqual({ domain: 'docker.io', path: 'library/app', tag: 'latest' })
    expect(() => parseTagReference(`app@${digest}`)).toThrow(/refusing to create a tag with a digest reference/)
  })
})
