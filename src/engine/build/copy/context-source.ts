// COPY/ADD sources read from the build context. Selection (normalising `../x`, wildcards, the
// named symlink followed, --exclude) is the context module's; this turns what it selected into
// source trees, and adds --parents, which keeps each match's path below the context root or
// below the `/./` pivot (BuildKit copies the pivot's contents with an include pattern).

import { join } from 'node:path'
import { containsWildcards, sourceNotFound } from './context-port'
import type { BuildContext, ContextEntry, CopySourceItem } from './context-port'
import type { SourceItem, SourceNode } from './copy-source'
import { splitDev, treeFromFlat } from './copy-source'
import { baseRel, joinRel, toAbs, toRel } from './image-path'
import { filterWalk } from './pattern-filter'

export interface ContextSourceOptions {
  readonly exclude: readonly string[]
  readonly parents: boolean
}

function nodeOf(context: BuildContext, e: ContextEntry, name: string): SourceNode | undefined {
  // Sockets cannot be stored in a layer (fsutil's copier has nothing to make of them either).
  if (e.type === 'socket') return undefined
  // The CLI sends the context with owners reset to root unless told otherwise.
  const reset = context.ownership === 'reset'
  const base = {
    name,
    type: e.type,
    mode: e.mode & 0o7777,
    uid: reset ? 0 : e.uid,
    gid: reset ? 0 : e.gid,
    mtime: Number(e.mtimeNs / 1_000_000_000n),
    size: e.type === 'file' ? e.size : 0,
  }
  if (e.type === 'symlink') return { ...base, linkTarget: e.linkTarget ?? '' }
  if (e.type === 'char' || e.type === 'block') return { ...base, ...splitDev(e.rdev) }
  if (e.type !== 'file') return base
  const hostPath = join(context.root, e.relPath)
  return {
    ...base,
    // O_NOFOLLOW: the walk saw a regular file here; if it has since been swapped for a symlink,
    // fail rather than read whatever it points at (possibly outside the context).
    content: { from: 'file', path: hostPath, noFollow: true },
    inodeKey: e.hardlinkTo ?? (e.nlink > 1 ? e.relPath : undefined),
  }
}

function itemOf(context: BuildContext, selected: CopySourceItem, includes: readonly string[]): SourceItem | undefined {
  const name = baseRel(selected.path)
  const root = nodeOf(context, selected.entry, name)
  if (root === undefined) return undefined
  const archiveCandidate = selected.entry.type === 'file' ? { path: join(context.root, selected.resolvedPath) } : undefined
  if (selected.entry.type !== 'dir') return { name, source: selected.source.source, root, archiveCandidate }
  const walked = filterWalk(
    selected.contents.map((c) => ({ rel: c.relPath, isDir: c.entry.type === 'dir', entry: c.entry })),
    [],
    includes,
  )
  const flat: { rel: string; node: SourceNode }[] = []
  for (const w of walked) {
    const node = nodeOf(context, w.entry, baseRel(w.rel))
    if (node !== undefined) flat.push({ rel: w.rel, node })
  }
  return { name, source: selected.source.source, root: treeFromFlat(root, flat) }
}

/** dispatchCopy's --parents split: `a/./b/c` copies `a`'s contents that match `b/c`. */
export function splitParents(source: string): { from: string; pattern: string } {
  const pivot = source.indexOf('/./')
  if (pivot < 0) return { from: '/', pattern: toRel(source) }
  return { from: source.slice(0, pivot) || '/', pattern: toRel(source.slice(pivot + 3)) }
}

/** The items a COPY/ADD takes from the context, in the order the sources were written. */
export function contextItems(context: BuildContext, sources: readonly string[], opts: ContextSourceOptions): SourceItem[] {
  const items: SourceItem[] = []
  for (const source of sources) {
    let selection
    let includes: string[] = []
    if (opts.parents) {
      const { from, pattern } = splitParents(source)
      // A path without wildcards must exist (BuildKit's RequiredPaths); a pattern may match nothing.
      if (!containsWildcards(from) && !containsWildcards(pattern)) {
        const required = toAbs(toRel(joinRel(toRel(from), pattern)))
        if (context.tree.resolve(toRel(required), true).entry === undefined) throw sourceNotFound(required)
      }
      selection = context.selectCopySources([from], { exclude: opts.exclude })
      includes = pattern === '' ? [] : [pattern]
    } else {
      selection = context.selectCopySources([source], { exclude: opts.exclude })
    }
    for (const selected of selection.items) {
      const item = itemOf(context, selected, includes)
      if (item !== undefined) items.push(item)
    }
  }
  return items
}
