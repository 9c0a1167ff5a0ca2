import { describe, expect, it } from 'vitest'
import { tableFromEntries } from '../../shared/layer-file-table'
import type { LayerFileEntry } from '../../shared/layers-api'
import { FileTreeModel, allDirectories, flattenTree, initialExpanded, matchingNodes, modeString, type FlatRow } from './file-tree'
import { windowRange } from './windowing'

const file = (path: string, size: number, change: LayerFileEntry['change'] = 'added'): LayerFileEntry => ({ path, change, type: 'file', mode: 0o644, uid: 0, gid: 0, size })
const dir = (path: string, change: LayerFileEntry['change'] = 'added'): LayerFileEntry => ({ path, change, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 })

const sample: LayerFileEntry[] = [
  dir('srv'),
  dir('srv/web'),
  file('srv/web/index.html', 100),
  dir('srv/web/css'),
  file('srv/web/css/site.css', 30),
  file('etc/passwd', 500, 'modified'), // its parent is not in the layer: shown as unchanged
  file('tmp/old.log', 70, 'removed'),
]

const buildTree = (entries: LayerFileEntry[]): FileTreeModel => new FileTreeModel(tableFromEntries({ index: 0, diffId: 'sha256:x', entryCount: entries.length }, entries))
const totals = (m: FileTreeModel, id: number) => ({
  size: m.size[id],
  removedSize: m.removedSize[id],
  added: m.added[id],
  modified: m.modified[id],
  removed: m.removed[id],
  change: m.change(id),
})
const idOf = (m: FileTreeModel, path: string): number => {
  for (let i = 0; i < m.count; i++) if (m.path(i) === path) return i
  throw new Error(`no ${path}`)
}
const ids = (m: FileTreeModel, paths: string[]): Set<number> => new Set(paths.map((p) => idOf(m, p)))
const names = (m: FileTreeModel, rows: FlatRow[]): string[] => rows.map((r) => m.name(r.id))

describe('the layer file tree', () => {
  it('rolls sizes and counts up per directory', () => {
    const root = buildTree(sample)
    expect(totals(root, root.root)).toMatchObject({ size: 630, removedSize: 70, added: 5, modified: 1, removed: 1 })
    expect(totals(root, idOf(root, 'srv'))).toMatchObject({ size: 130, added: 5, change: 'added' })
    expect(totals(root, idOf(root, 'etc'))).toMatchObject({ change: 'unchanged', size: 500, modified: 1 })
    expect(totals(root, idOf(root, 'tmp'))).toMatchObject({ change: 'unchanged', size: 0, removedSize: 70, removed: 1 })
  })

  it('flattens open directories, sorted by name or by size', () => {
    const root = buildTree(sample)
    const all = allDirectories(root)
    expect(flattenTree(root, { expanded: all, sort: 'name' }).map((r) => `${'  '.repeat(r.depth)}${root.name(r.id)}`)).toEqual([
      'etc',
      '  passwd',
      'srv',
      '  web',
      '    css',
      '      site.css',
      '    index.html',
      'tmp',
      '  old.log',
    ])
    expect(names(root, flattenTree(root, { expanded: new Set(), sort: 'size' }))).toEqual(['etc', 'srv', 'tmp'])
    expect(names(root, flattenTree(root, { expanded: ids(root, ['srv', 'srv/web']), sort: 'size' }))).toEqual([
      'etc',
      'srv',
      'web',
      'index.html',
      'css',
      'tmp',
    ])
  })

  it('filters by name and opens the directories above a match', () => {
    const root = buildTree(sample)
    const rows = flattenTree(root, { expanded: new Set(), sort: 'name', matches: matchingNodes(root, 'SITE') })
    expect(rows.map((r) => root.path(r.id))).toEqual(['srv', 'srv/web', 'srv/web/css', 'srv/web/css/site.css'])
    // A directory that matches shows its own contents when opened.
    const web = flattenTree(root, { expanded: ids(root, ['srv/web/css']), sort: 'name', matches: matchingNodes(root, 'css') })
    expect(web.map((r) => root.path(r.id))).toEqual(['srv', 'srv/web', 'srv/web/css', 'srv/web/css/site.css'])
    expect(matchingNodes(root, '  ')).toBeUndefined()
    expect(flattenTree(root, { expanded: new Set(), sort: 'name', matches: matchingNodes(root, 'nothing') })).toEqual([])
  })

  it('handles 100,000 entries quickly and renders only a window of them', () => {
    const entries: LayerFileEntry[] = []
    for (let d = 0; d < 100; d++) {
      entries.push(dir(`usr/d${d}`))
      for (let f = 0; f < 1000; f++) entries.push(file(`usr/d${d}/f${f}.txt`, f + d))
    }
    expect(entries.length).toBe(100_100)
    const started = performance.now()
    const root = buildTree(entries)
    const rows = flattenTree(root, { expanded: allDirectories(root), sort: 'size' })
    const filtered = flattenTree(root, { expanded: new Set(), sort: 'name', matches: matchingNodes(root, 'f999.') })
    const elapsed = performance.now() - started
    expect(rows.length).toBe(100_101) // usr, its 100 directories and their files
    expect(filtered.length).toBe(1 + 100 + 100)
    expect(root.added[root.root]).toBe(100_100)
    expect(elapsed).toBeLessThan(3000)
    expect(initialExpanded(root)).toEqual(ids(root, ['usr']))
    // Sorted by size, the biggest directory (d99: files of 99…1098 bytes) comes first.
    expect(root.path(rows[1]!.id)).toBe('usr/d99')

    const rowHeight = 24
    const viewport = 420
    for (const scrollTop of [0, 1234, 50_000 * rowHeight, rows.length * rowHeight]) {
      const { start, end } = windowRange(scrollTop, viewport, rowHeight, rows.length, 8)
      expect(end - start).toBeLessThanOrEqual(Math.ceil(viewport / rowHeight) + 1 + 16)
      expect(end).toBeLessThanOrEqual(rows.length)
      expect(start).toBeGreaterThanOrEqual(0)
    }
    expect(windowRange(rows.length * rowHeight * 2, viewport, rowHeight, rows.length, 8).end).toBe(rows.length)
    expect(windowRange(0, viewport, rowHeight, 0)).toEqual({ start: 0, end: 0 })
  })

  it('reads link targets, and leaves out rows that hang under a file', () => {
    const link: LayerFileEntry = { path: 'srv/current', change: 'added', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkTarget: 'web' }
    const table = tableFromEntries({ index: 0, diffId: 'sha256:x', entryCount: 3 }, [...sample, link])
    // A malformed table: a row whose parent is a file (srv/web/index.html).
    const fileRow = table.parent.findIndex((_, row) => table.names[table.name[row]!] === 'index.html')
    table.parent.push(fileRow)
    table.name.push(table.names.push('inside') - 1)
    table.kind.push(table.kind[fileRow]!)
    table.size.push(1_000_000)
    const model = new FileTreeModel(table)
    expect(model.linkTarget(idOf(model, 'srv/current'))).toBe('web')
    expect(model.size[model.root]).toBe(630) // the stray row's bytes are not counted
    const rows = flattenTree(model, { expanded: allDirectories(model), sort: 'name' })
    expect(rows.map((r) => model.path(r.id))).not.toContain('srv/web/index.html/inside')
    expect(rows).toHaveLength(10)
  })

  it('formats modes like ls', () => {
    expect(modeString('dir', 0o755)).toBe('drwxr-xr-x')
    expect(modeString('file', 0o644)).toBe('-rw-r--r--')
  })
})
