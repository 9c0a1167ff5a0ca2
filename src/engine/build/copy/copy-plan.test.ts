import { describe, expect, it } from 'vitest'
import type { AddInstruction, CopyInstruction } from '../../dockerfile'
import {
  checkDestinationTakesMany,
  copiedMeta,
  createdDirMeta,
  ensuredDestination,
  isGitSource,
  isHttpSource,
  parseChecksum,
  planStep,
  targetFor,
  urlFileName,
} from './copy-plan'
import { resolveDestination } from './image-path'
import { applySymbolicMode, parseUserSpec } from './ownership'

const base = { keyword: 'COPY', original: '', line: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } }

function copy(over: Partial<CopyInstruction> = {}): CopyInstruction {
  return { ...base, kind: 'copy', sources: ['a'], heredocs: [], dest: '/d/', chown: null, chmod: null, link: false, excludes: [], from: null, parents: false, ...over } as CopyInstruction
}
function add(over: Partial<AddInstruction> = {}): AddInstruction {
  return { ...base, keyword: 'ADD', kind: 'add', sources: ['a'], heredocs: [], dest: '/d/', chown: null, chmod: null, link: false, excludes: [], keepGitDir: null, checksum: null, unpack: null, ...over } as AddInstruction
}

describe('destination relative to WORKDIR (pathRelativeToWorkingDir)', () => {
  it.each([
    ['/abs', '/w', '/abs'],
    ['/abs/', '/w', '/abs/'],
    ['rel', '/w', '/w/rel'],
    ['rel/', '/w', '/w/rel/'],
    ['.', '/w', '/w/'],
    ['', '/w', '/w/'],
    ['./', '/w/x', '/w/x/'],
    ['..', '/w/x', '/w'],
    ['../', '/w/x', '/w/'],
    ['../../../..', '/w', '/'],
    ['a/./b/.', '/', '/a/b/'],
    ['/', '/w', '/'],
    ['x//y', '/', '/x/y'],
  ])('%j in %s → %s', (dest, workdir, want) => {
    expect(resolveDestination(dest, workdir)).toBe(want)
  })
})

describe('planStep: what dispatchCopy decides before reading anything', () => {
  it.each([
    ['URL in COPY', copy({ sources: ['https://x/y'] }), "source can't be a URL for COPY"],
    ['git in COPY', copy({ sources: ['git@github.com:a/b.git'] }), "source can't be a git ref for COPY"],
    ['checksum on a local file', add({ checksum: 'sha256:' + 'a'.repeat(64) }), 'checksum requires HTTP(S) or Git sources'],
    ['checksum with two sources', add({ sources: ['https://a/x', 'https://a/y'], checksum: 'sha256:' + 'a'.repeat(64) }), "checksum can't be specified for multiple sources"],
    ['md5 checksum', add({ sources: ['https://a/x'], checksum: 'md5:' + 'a'.repeat(32) }), 'unsupported digest algorithm'],
    ['short checksum', add({ sources: ['https://a/x'], checksum: 'sha256:abc' }), 'invalid checksum digest length'],
    ['bad chmod', copy({ chmod: '64a' }), "invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777"],
    ['chmod too big', copy({ chmod: '10000' }), "invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777"],
  ])('%s fails', (_name, ins, message) => {
    expect(() => planStep(ins, '/')).toThrow(message)
  })

  it('classifies sources and keeps heredocs last', () => {
    const plan = planStep(add({ sources: ['a', 'https://h/p/file.tgz', 'https://h/'], heredocs: [{ name: 'EOF', content: 'x', expand: true }] }), '/w')
    expect(plan.sources).toEqual([
      { kind: 'local', source: 'a' },
      { kind: 'url', url: 'https://h/p/file.tgz', fileName: 'file.tgz' },
      { kind: 'url', url: 'https://h/', fileName: '__unnamed__' },
    ])
    expect(plan.heredocs.map((h) => h.name)).toEqual(['EOF'])
    expect(plan.dest).toBe('/d/')
  })

  it.each([
    ['COPY --link', copy({ link: true }), true],
    ['COPY --link --chmod falls back to a plain copy', copy({ link: true, chmod: '644' }), false],
  ])('%s', (_name, ins, link) => {
    expect(planStep(ins, '/').link).toBe(link)
  })

  it.each([
    ['ADD', add(), true, false],
    ['ADD --unpack=false', add({ unpack: false }), false, false],
    ['ADD --unpack=true', add({ unpack: true }), true, true],
    ['COPY', copy(), false, false],
  ])('%s unpacks local %s, URLs %s', (_name, ins, local, urls) => {
    const plan = planStep(ins, '/')
    expect([plan.unpackLocal, plan.unpackUrls]).toEqual([local, urls])
  })

  it('parses symbolic and octal --chmod', () => {
    expect(planStep(copy({ chmod: '0755' }), '/').chmod).toEqual({ kind: 'octal', mode: 0o755 })
    expect(planStep(copy({ chmod: 'u=rwX,go=rX' }), '/').chmod).toEqual({ kind: 'symbolic', mode: 'u=rwX,go=rX' })
  })
})

describe('several sources need a directory destination', () => {
  const plan = (dest: string) => planStep(copy({ dest }), '/')
  it.each([
    ['/d/', 3, false, null],
    ['/d', 1, false, null],
    ['/d', 3, true, null],
    ['/d', 2, false, 'When using COPY with more than one source file, the destination must be a directory and end with a /'],
  ])('%s with %i items (existing dir: %s)', (dest, count, existing, error) => {
    const check = () => checkDestinationTakesMany(plan(dest), count, existing)
    if (error === null) expect(check).not.toThrow()
    else expect(check).toThrow(error)
  })
})

describe('where one source lands (prepareTargetDir)', () => {
  it.each([
    // sourceIsDir, name, dest, dest type → target, mkdir
    [false, 'a.txt', 'etc', 'dir', 'etc/a.txt', 'etc'],
    [false, 'a.txt', 'etc/b.txt', undefined, 'etc/b.txt', 'etc'],
    [false, 'a.txt', 'etc/passwd', 'file', 'etc/passwd', 'etc'],
    [true, 'src', 'app', undefined, 'app', 'app'],
    [true, 'src', 'app', 'dir', 'app', ''],
    [true, 'src', '', 'dir', '', ''],
    [false, 'a', '', 'dir', 'a', ''],
  ] as const)('%s %s onto %s (%s)', (isDir, name, dest, type, target, mkdir) => {
    expect(targetFor(isDir, name, dest, type)).toEqual({ target, mkdir })
  })

  it.each([
    ['/a/b/', '/a/b/'],
    ['/a/b', '/a'],
    ['/a', '/'],
  ])('ensures %s by creating %s', (dest, want) => {
    expect(ensuredDestination(dest)).toBe(want)
  })
})

describe('metadata of copied and created entries', () => {
  const file = { type: 'file', mode: 0o4644, uid: 5, gid: 6, mtime: 100 }
  const dir = { type: 'dir', mode: 0o700, uid: 5, gid: 6, mtime: 100 }
  const link = { type: 'symlink', mode: 0o777, uid: 5, gid: 6, mtime: 100 }
  const now = 999
  it.each([
    ['keeps everything by default', file, null, null, { mode: 0o4644, uid: 5, gid: 6, mtime: 100 }],
    ['--chown replaces owners only', file, { uid: 1, gid: 2 }, null, { mode: 0o4644, uid: 1, gid: 2, mtime: 100 }],
    ['octal --chmod replaces permission bits, keeps setuid', file, null, { kind: 'octal', mode: 0o755 }, { mode: 0o4755, uid: 5, gid: 6, mtime: 100 }],
    ['octal --chmod drops its own special bits', dir, null, { kind: 'octal', mode: 0o2750 }, { mode: 0o750, uid: 5, gid: 6, mtime: 100 }],
    ['symbolic --chmod on a dir (X)', dir, null, { kind: 'symbolic', mode: 'go+rX' }, { mode: 0o755, uid: 5, gid: 6, mtime: 100 }],
    ['symlinks keep their mode', link, null, { kind: 'octal', mode: 0o600 }, { mode: 0o777, uid: 5, gid: 6, mtime: 100 }],
  ] as const)('%s', (_name, node, chown, chmod, want) => {
    expect(copiedMeta(node, { chown, chmod, now })).toEqual(want)
  })

  it.each([
    [null, null, { mode: 0o755, uid: 0, gid: 0, mtime: now }],
    [{ uid: 7, gid: 8 }, { kind: 'octal', mode: 0o777 }, { mode: 0o777, uid: 7, gid: 8, mtime: now }],
    [null, { kind: 'symbolic', mode: 'u+x' }, { mode: 0o755, uid: 0, gid: 0, mtime: now }],
  ] as const)('created dirs with chown %j chmod %j', (chown, chmod, want) => {
    expect(createdDirMeta({ chown, chmod, now })).toEqual(want)
  })
})

describe('symbolic modes (chmod(1), umask 0)', () => {
  it.each([
    [0o666, 'go-w', false, 0o644],
    [0o666, 'u=rw,g=r,o=r', false, 0o644],
    [0o666, 'a+X', false, 0o666],
    [0o744, 'a+X', false, 0o755],
    [0o124, 'a+X', true, 0o135],
    [0o124, 'u+rw,g+r,o-x,o+w', true, 0o766],
    [0o644, '+x', false, 0o755],
    [0o640, 'o=g', false, 0o644],
    [0o755, 'u+s', false, 0o4755],
  ])('%o with %s (dir %s) → %o', (mode, spec, isDir, want) => {
    expect(applySymbolicMode(mode, spec, isDir)).toBe(want)
  })
})

describe('small parsers', () => {
  it.each([
    ['1000', { user: { id: 1000 }, group: null }],
    ['root', { user: { id: 0 }, group: null }],
    ['daemon:staff', { user: { name: 'daemon' }, group: { name: 'staff' } }],
    ['1:nobody', { user: { id: 1 }, group: { name: 'nobody' } }],
    ['a:b:c', { user: { name: 'a' }, group: { name: 'b:c' } }],
  ])('user spec %s', (spec, want) => {
    expect(parseUserSpec(spec)).toEqual(want)
  })

  it.each([
    ['https://example.com/a/b/file.tar.gz?x=1', 'file.tar.gz'],
    ['https://example.com', '__unnamed__'],
    ['https://example.com/dir/', 'dir'],
    ['http://example.com/%C3%A4.txt', 'ä.txt'],
  ])('URL file name of %s', (url, name) => {
    expect(urlFileName(url)).toBe(name)
  })

  it.each([
    ['https://github.com/a/b.git', false, true],
    ['https://github.com/a/b.git#main:sub', false, true],
    ['git@github.com:a/b.git', false, true],
    ['https://example.com/file', true, false],
    ['file.txt', false, false],
  ])('%s: http %s, git %s', (src, http, git) => {
    expect([isHttpSource(src), isGitSource(src)]).toEqual([http, git])
  })

  it('checksums', () => {
    expect(parseChecksum('sha256:' + 'ab'.repeat(32))).toEqual({ algorithm: 'sha256', hex: 'ab'.repeat(32) })
    expect(() => parseChecksum('nocolon')).toThrow('invalid checksum digest format')
  })
})
