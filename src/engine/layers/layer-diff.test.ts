import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { FileTreeNode, LayerDiff } from './file-tree-model'
import type { LayerEntry } from './layer-entry'
import { createLayerStack, diffLayerStack } from './layer-diff'
import { extractLayer } from './safe-extract'
import { encodeTar, prepareLayerEntries } from './tar-writer'
import { layerRecords } from './file-tree'

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1600000000 }
const f = (path: string, size = 1): LayerEntry => ({ type: 'file', path, ...meta, size, content: { from: 'bytes', bytes: Buffer.alloc(size, 120) } })
const d = (path: string, mode = 0o755): LayerEntry => ({ type: 'dir', path, ...meta, mode })
const wh = (path: string): LayerEntry => ({ type: 'whiteout', path })
const opq = (path: string): LayerEntry => ({ type: 'opaque', path })

async function tar(entries: LayerEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of encodeTar(prepareLayerEntries(entries))) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const base = [
  d('etc'), f('etc/passwd', 10), f('etc/hosts', 5), d('var'), d('var/cache'), f('var/cache/a', 100), f('var/cache/b', 200),
  d('bin'), f('bin/sh', 1000), { type: 'hardlink', path: 'bin/ash', linkTarget: 'bin/sh' } as LayerEntry, { type: 'symlink', path: 'sh', linkTarget: 'bin/sh', ...meta, mode: 0o777 } as LayerEntry,
  d('dir-to-file'), f('dir-to-file/c1', 7), d('dir-to-file/sub'), f('dir-to-file/sub/c2', 8), f('file-to-dir', 3),
  d('opq'), f('opq/old1', 11), d('opq/sub'), f('opq/sub/old2', 12),
]
const upper = [
  f('etc/passwd', 20), wh('etc/hosts'), wh('var/cache'), wh('never/existed'),
  d('opq'), opq('opq'), f('opq/old1', 13), f('opq/new', 14),
  f('dir-to-file', 30), d('file-to-dir'), f('file-to-dir/inner', 4),
  f('new/deep/file', 50),
]
const later = [d('var/cache', 0o700), f('var/cache/a', 1)]

const summary = (diff: LayerDiff): string[] => diff.changes.map((c) => `${c.change} ${c.path}${c.implicit ? ' (implicit)' : ''}`)

describe('layer diffs over a stack', () => {
  it('reports added, modified and removed paths relative to the layers below', async () => {
    const [l0, l1, l2] = await diffLayerStack([await tar(base), gzipSync(await tar(upper)), await tar(later)])
    expect(l0?.changes.every((c) => c.change === 'added')).toBe(true)
    expect(l0?.changes).toHaveLength(base.length)
    expect(summary(l1 as LayerDiff)).toEqual([
      'modified dir-to-file', 'removed dir-to-file/c1', 'removed dir-to-file/sub', 'removed dir-to-file/sub/c2',
      'removed etc/hosts', 'modified etc/passwd',
      'modified file-to-dir', 'added file-to-dir/inner',
      'added new (implicit)', 'added new/deep (implicit)', 'added new/deep/file',
      'modified opq', 'added opq/new', 'modified opq/old1', 'removed opq/sub', 'removed opq/sub/old2',
      'removed var/cache', 'removed var/cache/a', 'removed var/cache/b',
    ])
    const passwd = l1?.changes.find((c) => c.path === 'etc/passwd')
    expect([passwd?.previous?.size, passwd?.entry?.size]).toEqual([10, 20])
    expect(l1?.changes.find((c) => c.path === 'dir-to-file')).toMatchObject({ previous: { type: 'dir' }, entry: { type: 'file', size: 30 } })
    expect(l1?.whiteoutCount).toBe(4)
    expect(summary(l2 as LayerDiff)).toEqual(['added var/cache', 'added var/cache/a'])
  })

  it('rolls sizes and counts up every directory with changes under it', async () => {
    const [, l1] = await diffLayerStack([await tar(base), await tar(upper)])
    const dirs = new Map(l1?.directories.map((r) => [r.path, r]))
    expect(dirs.get('')).toEqual({ path: '', size: 20 + 13 + 14 + 30 + 4 + 50, removedSize: 5 + 100 + 200 + 7 + 8 + 12, added: 5, modified: 5, removed: 9 })
    expect(dirs.get('var')).toEqual({ path: 'var', size: 0, removedSize: 300, added: 0, modified: 0, removed: 3 })
    expect(dirs.get('opq')).toMatchObject({ size: 27, removedSize: 12 })
    expect(dirs.has('bin')).toBe(false)
    expect(l1?.directories.map((r) => r.path)).toEqual(['', 'dir-to-file', 'dir-to-file/sub', 'etc', 'file-to-dir', 'new', 'new/deep', 'opq', 'opq/sub', 'var', 'var/cache'])
  })

  it('hides only lower content, whatever the order of whiteouts in the tar', async () => {
    const stack = createLayerStack()
    await stack.apply([{ kind: 'entry', entry: { path: 'x', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1 } }])
    const diff = await stack.apply([
      { kind: 'entry', entry: { path: 'x', type: 'file', mode: 0o600, uid: 0, gid: 0, size: 2 } },
      { kind: 'entry', entry: { path: 'y', type: 'file', mode: 0o600, uid: 0, gid: 0, size: 2 } },
      { kind: 'whiteout', path: 'x' },
      { kind: 'whiteout', path: 'y' },
    ])
    expect(summary(diff)).toEqual(['modified x', 'added y'])
    expect(stack.lookup('x')?.size).toBe(2)
  })

  it('agrees with the files extraction leaves on disk', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'layerlab-diff-'))
    try {
      const stack = createLayerStack()
      for (const entries of [base, upper, later]) {
        const bytes = await tar(entries)
        await extractLayer([bytes], dest)
        await stack.apply(layerRecords([bytes]))
      }
      const onDisk = new Map<string, string>()
      for (const rel of readdirSync(dest, { recursive: true }).map(String)) {
        const s = lstatSync(join(dest, rel))
        const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? `symlink ${readlinkSync(join(dest, rel))}` : 'file'
        onDisk.set(rel, `${type} ${(s.mode & 0o7777).toString(8)} ${s.isFile() ? s.size : 0}`)
      }
      const inTree = new Map<string, string>()
      const walk = (node: FileTreeNode): void => {
        for (const child of node.children ?? []) {
          const type = child.type === 'symlink' ? `symlink ${child.linkTarget}` : child.type === 'hardlink' ? 'file' : child.type
          const size = child.type === 'hardlink' ? onDisk.get(child.path)?.split(' ').at(-1) : String(child.size)
          inTree.set(child.path, `${type} ${child.mode.toString(8)} ${size}`)
          walk(child)
        }
      }
      walk(stack.tree())
      expect(inTree).toEqual(onDisk)
      const tree = stack.tree()
      expect(tree.totalSize).toBe([...inTree.entries()].filter(([p, v]) => v.startsWith('file') && stack.lookup(p)?.type === 'file').reduce((s, [, v]) => s + Number(v.split(' ')[2]), 0))
    } finally {
      rmSync(dest, { recursive: true, force: true })
    }
  })

  it('handles 100,000 entries quickly (streamed from a tar)', async () => {
    const entries: LayerEntry[] = []
    for (let i = 0; i < 1000; i++) {
      entries.push(d(`usr/share/pkg${i}`))
      for (let j = 0; j < 99; j++) entries.push(f(`usr/share/pkg${i}/file-${j}.txt`, j % 10 === 0 ? 100 : 0))
    }
    const t0 = performance.now()
    const lower = await tar(entries)
    const t1 = performance.now()
    const upperLayer = await tar([...entries.slice(0, 50_000).map((e) => (e.type === 'file' ? f(e.path, 3) : e)), ...Array.from({ length: 100 }, (_, i) => wh(`usr/share/pkg${500 + i}`))])
    const t2 = performance.now()
    const [l0, l1] = await diffLayerStack([lower, upperLayer])
    const t3 = performance.now()
    expect(l0?.changes.length).toBe(100_000 + 2) // + implicit usr, usr/share
    expect(l1?.changes.filter((c) => c.change === 'removed')).toHaveLength(100 * 100)
    const perSecond = Math.round(150_100 / ((t3 - t2) / 1000))
    console.log(`file tree: wrote 100k-entry tar in ${Math.round(t1 - t0)} ms; diffed 150,100 entries (2 layers) in ${Math.round(t3 - t2)} ms = ${perSecond} entries/s`)
    expect(t3 - t2).toBeLessThan(20_000)
  }, 60_000)
})
