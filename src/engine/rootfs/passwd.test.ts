import { describe, expect, it } from 'vitest'
import { RootfsError, emptyRootfs, parseGroup, parsePasswd, resolveRunUser, resolveUserSpec, type RootfsView } from '.'

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin  ',
  '',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'user:x:1000:100:User:/home/user:/bin/sh',
  'broken',
  'twin:x:2000:2000::/:',
  'twin:x:2001:2001::/:',
  'app1:x:abc:1001',
].join('\r\n')
const GROUP = ['root:x:0:', '# comment:x:77:', 'users:x:100:', 'user:x:1000:', 'staff:x:50:user,other', 'wheel:x:10:root,user', 'nogroup:x:65534:'].join('\n')

/** Only readFile matters to user resolution; the rootfs view itself is tested elsewhere. */
function filesRootfs(files: Record<string, string | 'dir'>): RootfsView {
  const view = emptyRootfs()
  return {
    ...view,
    readFile: async (path: string) => {
      const content = files[path]
      if (content === 'dir') throw new RootfsError('EISDIR', path, 'is a directory')
      return content === undefined ? undefined : Buffer.from(content)
    },
  }
}

const image = filesRootfs({ '/etc/passwd': PASSWD, '/etc/group': GROUP })

describe('passwd and group parsing (moby/sys user)', () => {
  it('trims lines, skips blanks, keeps malformed lines with zero values', () => {
    const users = parsePasswd(PASSWD)
    expect(users.map((u) => u.name)).toEqual(['root', 'daemon', 'nobody', 'user', 'broken', 'twin', 'twin', 'app1'])
    expect(users[1]).toEqual({ name: 'daemon', password: 'x', uid: 1, gid: 1, gecos: 'daemon', home: '/usr/sbin', shell: '/usr/sbin/nologin' })
    expect(users[4]).toEqual({ name: 'broken', password: '', uid: 0, gid: 0, gecos: '', home: '', shell: '' })
    expect(users[7]).toMatchObject({ uid: 0, gid: 1001 })
  })

  it('skips comments in /etc/group only, and splits member lists', () => {
    const groups = parseGroup(GROUP)
    expect(groups.map((g) => g.name)).not.toContain('# comment')
    expect(groups.find((g) => g.name === 'staff')).toEqual({ name: 'staff', password: 'x', gid: 50, members: ['user', 'other'] })
    expect(groups[0]?.members).toEqual([])
    expect(parsePasswd('# comment:x:5:5')[0]?.name).toBe('# comment')
  })
})

describe('resolveUserSpec for COPY/ADD --chown (BuildKit rules)', () => {
  const cases: [string, { uid: number; gid: number }][] = [
    ['root', { uid: 0, gid: 0 }],
    ['nobody', { uid: 65534, gid: 65534 }],
    ['user', { uid: 1000, gid: 100 }], // the user's primary group from /etc/passwd
    ['1000', { uid: 1000, gid: 1000 }], // a numeric uid alone: gid = uid, passwd not read
    ['user:user', { uid: 1000, gid: 1000 }],
    ['user:1000', { uid: 1000, gid: 1000 }],
    ['user:staff', { uid: 1000, gid: 50 }],
    ['1000:1000', { uid: 1000, gid: 1000 }],
    ['1000:staff', { uid: 1000, gid: 50 }],
    ['5:root', { uid: 5, gid: 0 }],
    ['0042', { uid: 42, gid: 42 }],
    ['twin', { uid: 2000, gid: 2000 }], // first match wins
    ['user:', { uid: 1000, gid: 0 }], // an empty group is id 0 (as the daemon does)
    [':staff', { uid: 0, gid: 50 }],
    ['', { uid: 0, gid: 0 }],
  ]
  it.each(cases)('%j → %j', async (spec, expected) => {
    expect(await resolveUserSpec(image, spec)).toEqual(expected)
  })

  it('fails on names the image does not know, with runc’s wording', async () => {
    await expect(resolveUserSpec(image, 'app')).rejects.toThrow('unable to find user app: no matching entries in passwd file')
    await expect(resolveUserSpec(image, 'user:nope')).rejects.toThrow('unable to find group nope: no matching entries in group file')
    await expect(resolveUserSpec(image, '99999999999')).rejects.toThrow('unable to find user 99999999999')
    await expect(resolveUserSpec(image, '-1')).rejects.toThrow('uids and gids must be in range 0-2147483647')
  })

  it('needs no files for numeric ids, and fails names without them', async () => {
    const scratch = emptyRootfs()
    expect(await resolveUserSpec(scratch, '1000')).toEqual({ uid: 1000, gid: 1000 })
    expect(await resolveUserSpec(scratch, '1000:2000')).toEqual({ uid: 1000, gid: 2000 })
    expect(await resolveUserSpec(scratch, 'root:root')).toEqual({ uid: 0, gid: 0 })
    await expect(resolveUserSpec(scratch, 'nobody')).rejects.toThrow('unable to find user nobody: no matching entries in passwd file')
    const dirInstead = filesRootfs({ '/etc/passwd': 'dir' })
    await expect(resolveUserSpec(dirInstead, 'user')).rejects.toThrow('unable to find user user')
  })
})

describe('resolveRunUser for USER (BuildKit executor rules)', () => {
  it('uses the passwd entry of a numeric uid (gid from passwd, not = uid)', async () => {
    expect(await resolveRunUser(image, '1000')).toEqual({ uid: 1000, gid: 100, additionalGids: [50, 10] })
    expect(await resolveRunUser(image, '4242')).toEqual({ uid: 4242, gid: 0, additionalGids: [] })
    expect(await resolveUserSpec(image, '1000', { rule: 'user' })).toEqual({ uid: 1000, gid: 100 })
  })

  it('takes uid:gid without files, and names through the files', async () => {
    expect(await resolveRunUser(emptyRootfs(), '1000:1000')).toEqual({ uid: 1000, gid: 1000, additionalGids: [] })
    expect(await resolveRunUser(image, 'user')).toEqual({ uid: 1000, gid: 100, additionalGids: [50, 10] })
    expect(await resolveRunUser(image, 'user:staff')).toEqual({ uid: 1000, gid: 50, additionalGids: [] })
    expect(await resolveRunUser(image, 'nobody:4000')).toEqual({ uid: 65534, gid: 4000, additionalGids: [] })
    await expect(resolveRunUser(image, 'ghost')).rejects.toThrow('unable to find user ghost: no matching entries in passwd file')
    await expect(resolveRunUser(image, 'user:ghosts')).rejects.toThrow('unable to find group ghosts: no matching entries in group file')
    await expect(resolveRunUser(emptyRootfs(), 'root')).rejects.toThrow('unable to find user root')
  })

  it('treats an empty USER as root and never fails on it', async () => {
    expect(await resolveRunUser(image, '')).toEqual({ uid: 0, gid: 0, additionalGids: [10] })
    expect(await resolveRunUser(emptyRootfs(), '')).toEqual({ uid: 0, gid: 0, additionalGids: [] })
  })
})
