// An in-memory RootfsView for tests (and for comparing against images whose layers were read
// into memory): paths absolute, symlinks resolved inside the view like a chroot would.

import { compareLayerPaths } from '../../layers'
import { ancestorsRel, joinRel, toRel } from './image-path'
import type { RootfsEntry, RootfsView } from './rootfs-port'

export interface FakeEntry {
  readonly path: string
  readonly type: RootfsEntry['type']
  readonly mode?: number
  readonly uid?: number
  readonly gid?: number
  readonly linkTarget?: string
  readonly content?: string | Buffer
  readonly mtime?: number
}

export function fakeRootfs(entries: readonly FakeEntry[]): RootfsView {
  const byRel = new Map<string, RootfsEntry & { data?: Buffer }>()
  for (const e of entries) {
    const rel = toRel(e.path)
    for (const a of ancestorsRel(rel)) {
      if (!byRel.has(a)) byRel.set(a, { path: '/' + a, realPath: '/' + a, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 })
    }
    const data = e.content === undefined ? undefined : Buffer.from(e.content)
    byRel.set(rel, {
      path: '/' + rel,
      realPath: '/' + rel,
      type: e.type,
      mode: e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: data?.length ?? 0,
      linkTarget: e.linkTarget,
      mtime: e.mtime ?? 0,
      data,
    })
  }
  const resolve = (path: string, followFinal: boolean): string | undefined => {
    const pending = path.split('/')
    const done: string[] = []
    let links = 0
    while (pending.length > 0) {
      const name = pending.shift() as string
      if (name === '' || name === '.') continue
      if (name === '..') {
        done.pop()
        continue
      }
      const rel = joinRel(done.join('/'), name)
      const e = byRel.get(rel)
      const last = !pending.some((p) => p !== '' && p !== '.')
      if (e?.type === 'symlink' && (!last || followFinal)) {
        if (++links > 40) return undefined
        if ((e.linkTarget ?? '').startsWith('/')) done.length = 0
        pending.unshift(...(e.linkTarget ?? '').split('/'))
        continue
      }
      if (e === undefined && !last) return undefined
      done.push(name)
    }
    return done.join('/')
  }
  const strip = (e: RootfsEntry & { data?: Buffer }): RootfsEntry => {
    const { data: _data, ...rest } = e
    return rest
  }
  return {
    diffIds: [],
    snapshotDirs: [],
    async lookup(path, opts) {
      const rel = resolve(path, opts?.followFinal ?? false)
      if (rel === undefined) return undefined
      if (rel === '') return { path: '/', realPath: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }
      const e = byRel.get(rel)
      return e === undefined ? undefined : { ...strip(e), path: '/' + toRel(path) }
    },
    async readdir(path) {
      const rel = resolve(path, true) ?? ''
      const prefix = rel === '' ? '' : rel + '/'
      return [...byRel.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/') && k !== rel).map((k) => k.slice(prefix.length))
    },
    async *walk(path) {
      // Like the real view: `path` followed, yielded paths spelled below `path` as asked.
      const rel = resolve(path, true) ?? ''
      const asked = toRel(path)
      const prefix = rel === '' ? '' : rel + '/'
      const keys = [...byRel.keys()].filter((k) => k.startsWith(prefix) && k !== rel).sort(compareLayerPaths)
      for (const k of keys) {
        const e = strip(byRel.get(k) as RootfsEntry & { data?: Buffer })
        yield { ...e, path: '/' + joinRel(asked, k.slice(prefix.length)) }
      }
    },
    async readFile(path) {
      const rel = resolve(path, true)
      return rel === undefined ? undefined : byRel.get(rel)?.data
    },
  }
}

/** A busybox-like base: the directories, owners and modes `docker save busybox` shows. */
export function busyboxLike(): RootfsView {
  return fakeRootfs([
    { path: '/bin', type: 'dir' },
    { path: '/bin/sh', type: 'file', mode: 0o755, content: 'sh' },
    { path: '/etc', type: 'dir' },
    { path: '/etc/passwd', type: 'file', content: 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' },
    { path: '/etc/group', type: 'file', content: 'root:x:0:\ndaemon:x:1:\nstaff:x:50:\nnogroup:x:65534:\n' },
    { path: '/home', type: 'dir', uid: 65534, gid: 65534 },
    { path: '/root', type: 'dir', mode: 0o700 },
    { path: '/tmp', type: 'dir', mode: 0o1777 },
    { path: '/usr', type: 'dir' },
    { path: '/usr/sbin', type: 'dir' },
    { path: '/var', type: 'dir' },
    { path: '/lib64', type: 'symlink', linkTarget: 'lib' },
    { path: '/lib', type: 'dir' },
  ])
}
