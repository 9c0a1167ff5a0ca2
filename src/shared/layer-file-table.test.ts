import { describe, expect, it } from 'vitest'
import { entriesFromTable, isLayerFileTable, tableFromEntries, tablePaths } from './layer-file-table'
import type { LayerFileEntry } from './layers-api'

const head = { index: 2, diffId: 'sha256:abc', entryCount: 9 }
const entries: LayerFileEntry[] = [
  { path: 'srv', change: 'added', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 },
  { path: 'srv/web', change: 'added', type: 'dir', mode: 0o755, uid: 1000, gid: 1000, size: 0, implicit: true },
  { path: 'srv/web/index.html', change: 'added', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 100 },
  { path: 'srv/web/latest', change: 'added', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkTarget: 'index.html' },
  { path: 'etc/passwd', change: 'modified', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 500 },
  { path: 'tmp/old/1', change: 'removed', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 70 },
  { path: 'tmp/new/1', change: 'added', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 3 },
]

describe('the layer file table', () => {
  it('gives back every entry it was made from, attributes and link targets included', () => {
    const table = tableFromEntries(head, entries)
    expect(table).toMatchObject(head)
    const back = entriesFromTable(JSON.parse(JSON.stringify(table)) as typeof table)
    expect(back.sort((a, b) => a.path.localeCompare(b.path))).toEqual([...entries].sort((a, b) => a.path.localeCompare(b.path)))
  })

  it('adds the directories the layer does not name as unchanged rows, parents before children', () => {
    const table = tableFromEntries(head, entries)
    const paths = tablePaths(table)
    expect(paths).toEqual(['srv', 'srv/web', 'srv/web/index.html', 'srv/web/latest', 'etc', 'etc/passwd', 'tmp', 'tmp/old', 'tmp/old/1', 'tmp/new', 'tmp/new/1'])
    for (const [row, parent] of table.parent.entries()) expect(parent).toBeLessThan(row)
    const unchanged = paths.filter((_, row) => table.kinds[table.kind[row] ?? -1]?.change === 'unchanged')
    expect(unchanged).toEqual(['etc', 'tmp', 'tmp/old', 'tmp/new'])
    // `1` names two rows but is stored once; the three plain 0644 root files share one kind.
    expect(table.names.filter((n) => n === '1')).toHaveLength(1)
    expect(new Set(table.kind).size).toBe(table.kinds.length)
  })

  it('a later entry for a directory first made up as a parent takes its row', () => {
    const table = tableFromEntries(head, [entries[2]!, entries[0]!])
    expect(entriesFromTable(table).map((e) => [e.path, e.change])).toEqual([
      ['srv', 'added'],
      ['srv/web/index.html', 'added'],
    ])
  })

  it('accepts only tables whose every index points where it may', () => {
    const good = tableFromEntries(head, entries)
    expect(isLayerFileTable(good)).toBe(true)
    const broken = (change: (t: Record<string, unknown> & typeof good) => void): unknown => {
      const t = JSON.parse(JSON.stringify(good)) as Record<string, unknown> & typeof good
      change(t)
      return t
    }
    expect(isLayerFileTable(broken((t) => (t.parent[0] = 3)))).toBe(false) // a child before its parent
    expect(isLayerFileTable(broken((t) => (t.parent[2] = 2)))).toBe(false) // its own parent
    expect(isLayerFileTable(broken((t) => (t.name[1] = t.names.length)))).toBe(false)
    expect(isLayerFileTable(broken((t) => (t.kind[1] = -1)))).toBe(false)
    expect(isLayerFileTable(broken((t) => t.size.pop()))).toBe(false)
    expect(isLayerFileTable(broken((t) => (t.size[0] = -5)))).toBe(false)
    expect(isLayerFileTable(broken((t) => (t.names[0] = 'a/b')))).toBe(false)
    expect(isLayerFileTable(broken((t) => ((t.kinds[0] as { change: string }).change = 'renamed')))).toBe(false)
    expect(isLayerFileTable(broken((t) => (t.links = [[99, 'x']])))).toBe(false)
    expect(isLayerFileTable(null)).toBe(false)
  })
})
