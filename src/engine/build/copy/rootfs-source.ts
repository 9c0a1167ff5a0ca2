// COPY --from sources: paths in another stage's (or image's) filesystem. As for the context,
// the literal part of a source is resolved through symlinks, each wildcard match (and a plain
// source) is followed to what it names, and a directory copies its contents with symlinks
// inside it kept. Owners, times and extended attributes are the source filesystem's own.

import { compareLayerPaths } from '../../layers'
import { asCopySourceError, containsWildcards, goMatch, sourceNotFound } from './context-port'
import { splitParents } from './context-source'
import type { SourceItem, SourceNode } from './copy-source'
import { treeFromFlat } from './copy-source'
import { baseRel, joinRel, toAbs, toRel } from './image-path'
import { filterWalk } from './pattern-filter'
import type { RootfsEntry, RootfsView } from './rootfs-port'

export interface RootfsSourceOptions {
  readonly exclude: readonly string[]
  readonly parents: boolean
}

/** fsutil splitWildcards: the components before the first one with a wildcard, and the rest. */
function splitWildcards(rel: string): { literal: string; pattern: string } {
  const parts = rel === '' ? [] : rel.split('/')
  const i = parts.findIndex((p) => containsWildcards(p))
  if (i < 0) return { literal: rel, pattern: '' }
  return { literal: parts.slice(0, i).join('/'), pattern: parts.slice(i).join('/') }
}

/** Everything below `dirRel` (followed if a symlink), as paths relative to it, in walk order. */
async function walkBelow(view: RootfsView, dirRel: string): Promise<{ rel: string; entry: RootfsEntry }[]> {
  const out: { rel: string; entry: RootfsEntry }[] = []
  for await (const entry of view.walk(toAbs(dirRel))) {
    const rel = toRel(entry.path)
    const below = dirRel === '' ? rel : rel.startsWith(dirRel + '/') ? rel.slice(dirRel.length + 1) : ''
    if (below !== '') out.push({ rel: below, entry })
  }
  return out.sort((a, b) => compareLayerPaths(a.rel, b.rel))
}

function nodeOf(view: RootfsView, e: RootfsEntry, name: string): SourceNode {
  const base = {
    name,
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    size: e.type === 'file' ? e.size : 0,
    xattrs: e.xattrs,
  }
  if (e.type === 'symlink') return { ...base, linkTarget: e.linkTarget ?? '' }
  if (e.type === 'char' || e.type === 'block') return { ...base, devMajor: e.devMajor ?? 0, devMinor: e.devMinor ?? 0 }
  if (e.type !== 'file') return base
  const path = e.realPath
  return {
    ...base,
    content:
      e.hostPath !== undefined
        ? { from: 'file', path: e.hostPath }
        : { from: 'stream', open: async function* () { yield (await view.readFile(path)) ?? Buffer.alloc(0) } },
  }
}

/** Wildcard matches below `literal`, in walk order; a matched directory is not looked into. */
async function wildcardMatches(view: RootfsView, literal: string, pattern: string): Promise<string[]> {
  const base = await view.lookup(toAbs(literal), { followFinal: true })
  if (base === undefined) throw sourceNotFound(toAbs(literal))
  if (base.type !== 'dir') return []
  const matches: string[] = []
  let skipBelow: string | null = null
  for (const { rel, entry } of await walkBelow(view, literal)) {
    if (skipBelow !== null && rel.startsWith(skipBelow)) continue
    skipBelow = null
    let hit: boolean
    try {
      hit = goMatch(pattern, rel)
    } catch (e) {
      throw asCopySourceError(e)
    }
    if (!hit) continue
    matches.push(joinRel(literal, rel))
    if (entry.type === 'dir') skipBelow = rel + '/'
  }
  return matches
}

async function itemFor(view: RootfsView, named: string, source: string, includes: readonly string[], opts: RootfsSourceOptions): Promise<SourceItem> {
  const entry = await view.lookup(toAbs(named), { followFinal: true })
  if (entry === undefined) throw sourceNotFound(toAbs(named))
  const name = baseRel(named)
  const root = nodeOf(view, entry, name)
  if (entry.type !== 'dir') return { name, source, root }
  const below = (await walkBelow(view, named)).map((w) => ({ ...w, isDir: w.entry.type === 'dir' }))
  const kept = filterWalk(below, opts.exclude, includes)
  const flat = kept.map((w) => ({ rel: w.rel, node: nodeOf(view, w.entry, baseRel(w.rel)) }))
  return { name, source, root: treeFromFlat(root, flat) }
}

/** The items COPY --from takes from `view`, in the order the sources were written. */
export async function rootfsItems(view: RootfsView, sources: readonly string[], opts: RootfsSourceOptions): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  for (const source of sources) {
    let path = source
    let includes: string[] = []
    if (opts.parents) {
      const split = splitParents(source)
      path = split.from
      includes = split.pattern === '' ? [] : [split.pattern]
      if (!containsWildcards(split.from) && !containsWildcards(split.pattern)) {
        const required = joinRel(toRel(split.from), split.pattern)
        if ((await view.lookup(toAbs(required), { followFinal: true })) === undefined) throw sourceNotFound(toAbs(required))
      }
    }
    const { literal, pattern } = splitWildcards(toRel(path))
    const named = pattern === '' ? [literal] : await wildcardMatches(view, literal, pattern)
    for (const n of named) items.push(await itemFor(view, n, source, includes, opts))
  }
  return items
}
