import { lstat, readlink, stat } from 'node:fs/promises'
import type { LayerEntry } from './layer-entry'
import { ancestors, cleanLayerPath } from './layer-paths'
import { splitDeviceNumber } from './whiteouts'

/** One change a COPY/ADD-like step makes, by destination path. */
export type LayerChange =
  /**
   * Put the host file `source` (file, directory itself — not its contents — symlink, device or
   * fifo) at `path`, optionally with a new owner, permission bits or mtime.
   */
  | {
      kind: 'add'
      path: string
      source: string
      /** Follow `source` if it is a symlink (COPY does for each named source). Default false. */
      followSymlink?: boolean
      uid?: number
      gid?: number
      mode?: number
      mtime?: number
    }
  /** An entry built by the caller (heredoc content, a generated file). */
  | { kind: 'entry'; entry: LayerEntry }
  | { kind: 'delete'; path: string }
  | { kind: 'opaque'; path: string }

export interface ChangeEntriesOptions {
  /**
   * Missing parent directories of changed paths are added with these attributes (BuildKit:
   * 0755, or the numeric --chmod, owned by the --chown user). Without it, no parents are added.
   */
  parents?: { mode: number; uid: number; gid: number; mtime: number }
  /** Sources that are hard links of each other stay hard links in the layer. Default true. */
  hardlinks?: boolean
}

/** Entries (any order; the writer sorts) for an explicit list of changes. */
export async function changeEntries(changes: Iterable<LayerChange>, options: ChangeEntriesOptions = {}): Promise<LayerEntry[]> {
  const out: LayerEntry[] = []
  const present = new Set<string>() // paths that get an entry of their own
  const needsParents: string[] = []
  const inodes = new Map<string, { path: string; mode: number; uid: number; gid: number }>()
  for (const change of changes) {
    switch (change.kind) {
      case 'entry':
        out.push(change.entry)
        if (change.entry.type !== 'whiteout') needsParents.push(cleanLayerPath(change.entry.path))
        if (change.entry.type !== 'whiteout' && change.entry.type !== 'opaque') present.add(cleanLayerPath(change.entry.path))
        break
      case 'delete':
        out.push({ type: 'whiteout', path: change.path })
        break
      case 'opaque':
        out.push({ type: 'opaque', path: change.path })
        needsParents.push(cleanLayerPath(change.path))
        break
      case 'add': {
        const path = cleanLayerPath(change.path)
        const s = await (change.followSymlink ? stat : lstat)(change.source, { bigint: true })
        const meta = {
          path,
          mode: change.mode ?? Number(s.mode & 0o7777n),
          uid: change.uid ?? Number(s.uid),
          gid: change.gid ?? Number(s.gid),
          mtime: change.mtime ?? Number(s.mtimeNs / 1_000_000_000n),
        }
        present.add(path)
        needsParents.push(path)
        if (!s.isDirectory() && s.nlink > 1n && options.hardlinks !== false) {
          const inode = `${s.dev}:${s.ino}`
          const first = inodes.get(inode)
          // Only a second name with the same overrides is a link: a different --chmod or
          // --chown on each name would have to change both, so they become distinct files.
          if (first && first.mode === meta.mode && first.uid === meta.uid && first.gid === meta.gid) {
            out.push({ type: 'hardlink', path, linkTarget: first.path })
            break
          }
          if (!first) inodes.set(inode, meta)
        }
        if (s.isDirectory()) out.push({ ...meta, type: 'dir' })
        else if (s.isFile()) out.push({ ...meta, type: 'file', size: Number(s.size), content: { from: 'file', path: change.source } })
        else if (s.isSymbolicLink()) out.push({ ...meta, type: 'symlink', linkTarget: await readlink(change.source) })
        else if (s.isFIFO()) out.push({ ...meta, type: 'fifo' })
        else if (s.isCharacterDevice() || s.isBlockDevice()) {
          const { major, minor } = splitDeviceNumber(s.rdev)
          out.push({ ...meta, type: s.isCharacterDevice() ? 'char' : 'block', devMajor: major, devMinor: minor })
        } else throw new Error(`cannot add ${change.source} as ${JSON.stringify(path)}: sockets cannot be stored in a layer`)
        break
      }
    }
  }
  if (options.parents) {
    const made = new Set<string>()
    for (const path of needsParents) {
      for (const dir of ancestors(path)) {
        if (present.has(dir) || made.has(dir)) continue
        made.add(dir)
        out.push({ type: 'dir', path: dir, ...options.parents })
      }
    }
  }
  return out
}
