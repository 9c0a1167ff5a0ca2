import type { LayerFileChange, LayerFileEntry, LayerFileType } from './layers-api'

/**
 * One layer's changed paths in columns, the form the file view is sent and the engine caches.
 * An object per entry costs ~120 bytes of JSON and a parse per field; here a row is four small
 * numbers, names are shared (`1`…`1000` in each of 100 directories is 1,000 names, not 100,000),
 * and each row points at its parent, so no path is ever split or joined to build the tree.
 */
export interface LayerFileTable {
  index: number
  diffId: string
  /** Members of the layer tar (whiteouts included). */
  entryCount: number
  /** Distinct path segments. */
  names: string[]
  /** Distinct (change, type, mode, owner) combinations rows point at. */
  kinds: LayerFileKind[]
  /** Per row, parents before children: the parent's row, or -1 at the top. */
  parent: number[]
  /** Per row: an index into `names`. */
  name: number[]
  /** Per row: an index into `kinds`. */
  kind: number[]
  /** Per row: bytes of file data (removed: the bytes it had). */
  size: number[]
  /** [row, target] of symlinks and hard links. */
  links: [number, string][]
}

/** `unchanged`: a directory the layer does not name, shown because it holds changes. */
export type LayerFileRowChange = LayerFileChange | 'unchanged'

export interface LayerFileKind {
  change: LayerFileRowChange
  type: LayerFileType
  mode: number
  uid: number
  gid: number
  /** A parent directory the layer does not name but needs. */
  implicit?: true
}

const UNCHANGED_DIR: LayerFileKind = { change: 'unchanged', type: 'dir', mode: 0o755, uid: 0, gid: 0 }

/** The table of a layer's entries (any order that names a path once); missing parents become `unchanged` rows. */
export function tableFromEntries(head: { index: number; diffId: string; entryCount: number }, entries: Iterable<LayerFileEntry>): LayerFileTable {
  const table: LayerFileTable = { ...head, names: [], kinds: [], parent: [], name: [], kind: [], size: [], links: [] }
  const nameIds = new Map<string, number>()
  const kindIds = new Map<string, number>()
  const nameId = (name: string): number => {
    let id = nameIds.get(name)
    if (id === undefined) {
      id = table.names.push(name) - 1
      nameIds.set(name, id)
    }
    return id
  }
  let last: LayerFileKind | undefined
  let lastId = -1
  const kindId = (kind: LayerFileKind): number => {
    // Neighbours mostly share their kind: compare with the last before building a key.
    if (last && last.change === kind.change && last.type === kind.type && last.mode === kind.mode && last.uid === kind.uid && last.gid === kind.gid && last.implicit === kind.implicit) return lastId
    const key = `${kind.change}|${kind.type}|${kind.mode}|${kind.uid}|${kind.gid}|${kind.implicit ? 1 : 0}`
    let id = kindIds.get(key)
    if (id === undefined) {
      id = table.kinds.push(kind) - 1
      kindIds.set(key, id)
    }
    last = table.kinds[id]
    lastId = id
    return id
  }
  /** Rows of directories (named or made up): the only paths a later row can hang under. */
  const dirRows = new Map<string, number>()
  const addRow = (parent: number, name: string, kind: number, size: number): number => {
    const row = table.parent.push(parent) - 1
    table.name.push(nameId(name))
    table.kind.push(kind)
    table.size.push(size)
    return row
  }
  const dirRow = (path: string): number => {
    const found = dirRows.get(path)
    if (found !== undefined) return found
    const slash = path.lastIndexOf('/')
    const row = addRow(slash < 0 ? -1 : dirRow(path.slice(0, slash)), path.slice(slash + 1), kindId(UNCHANGED_DIR), 0)
    dirRows.set(path, row)
    return row
  }
  // Entries come grouped by directory: the parent of the last one is usually this one's too.
  let lastDir: string | undefined
  let lastDirRow = -1
  for (const entry of entries) {
    const path = entry.path
    if (path === '') continue
    const slash = path.lastIndexOf('/')
    const dir = slash < 0 ? '' : path.slice(0, slash)
    if (dir !== lastDir) {
      lastDirRow = dir === '' ? -1 : dirRow(dir)
      lastDir = dir
    }
    const kind: LayerFileKind = { change: entry.change, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid }
    if (entry.implicit) kind.implicit = true
    let row = entry.type === 'dir' ? dirRows.get(path) : undefined
    if (row === undefined) {
      row = addRow(lastDirRow, path.slice(slash + 1), kindId(kind), entry.size)
      if (entry.type === 'dir') dirRows.set(path, row)
    } else {
      table.kind[row] = kindId(kind)
      table.size[row] = entry.size
    }
    if (entry.linkTarget !== undefined) table.links.push([row, entry.linkTarget])
  }
  return table
}

/** Each row's path ('/'-separated, relative), computed once in row order. */
export function tablePaths(table: LayerFileTable): string[] {
  const paths: string[] = new Array<string>(table.parent.length)
  for (let row = 0; row < table.parent.length; row++) {
    const parent = table.parent[row] ?? -1
    const name = table.names[table.name[row] ?? 0] ?? ''
    paths[row] = parent < 0 ? name : `${paths[parent]}/${name}`
  }
  return paths
}

/** The entries the table holds (the `unchanged` rows were not entries and are left out). */
export function entriesFromTable(table: LayerFileTable): LayerFileEntry[] {
  const paths = tablePaths(table)
  const links = new Map(table.links)
  const out: LayerFileEntry[] = []
  for (let row = 0; row < paths.length; row++) {
    const kind = table.kinds[table.kind[row] ?? 0]
    if (!kind || kind.change === 'unchanged') continue
    const entry: LayerFileEntry = { path: paths[row] ?? '', change: kind.change, type: kind.type, mode: kind.mode, uid: kind.uid, gid: kind.gid, size: table.size[row] ?? 0 }
    const link = links.get(row)
    if (link !== undefined) entry.linkTarget = link
    if (kind.implicit) entry.implicit = true
    out.push(entry)
  }
  return out
}

const CHANGES = new Set<unknown>(['added', 'modified', 'removed', 'unchanged'])
const TYPES = new Set<unknown>(['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo'])
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isIndexArray = (v: unknown, length: number, below: (row: number) => number, from = 0): boolean =>
  Array.isArray(v) && v.length === length && v.every((x, row) => typeof x === 'number' && Number.isInteger(x) && x >= from && x < below(row))

function isKind(v: unknown): v is LayerFileKind {
  if (typeof v !== 'object' || v === null) return false
  const k = v as Record<string, unknown>
  return CHANGES.has(k.change) && TYPES.has(k.type) && isCount(k.mode) && isCount(k.uid) && isCount(k.gid) && (k.implicit === undefined || k.implicit === true)
}

/**
 * The whole shape, checked row by row: a table read back from a cache file is trusted only if
 * every index points where it may (parents before children, names and kinds in range).
 */
export function isLayerFileTable(value: unknown): value is LayerFileTable {
  if (typeof value !== 'object' || value === null) return false
  const t = value as Record<string, unknown>
  if (!isCount(t.index) || typeof t.diffId !== 'string' || !isCount(t.entryCount)) return false
  if (!Array.isArray(t.names) || !t.names.every((n) => typeof n === 'string' && n !== '' && !n.includes('/'))) return false
  if (!Array.isArray(t.kinds) || !t.kinds.every(isKind)) return false
  if (!Array.isArray(t.parent)) return false
  const rows = t.parent.length
  const names = t.names.length
  const kinds = t.kinds.length
  if (!isIndexArray(t.parent, rows, (row) => row, -1)) return false
  if (!isIndexArray(t.name, rows, () => names) || !isIndexArray(t.kind, rows, () => kinds)) return false
  if (!Array.isArray(t.size) || t.size.length !== rows || !t.size.every(isCount)) return false
  return Array.isArray(t.links) && t.links.every((l) => Array.isArray(l) && l.length === 2 && isCount(l[0]) && l[0] < rows && typeof l[1] === 'string')
}
