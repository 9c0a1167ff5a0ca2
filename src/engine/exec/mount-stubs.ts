import { chmodSync, closeSync, lchownSync, lstatSync, mkdirSync, openSync, utimesSync, type Stats } from 'node:fs'
import { join } from 'node:path'

export interface MountTarget {
  /** Clean absolute path in the sandbox. */
  path: string
  type: 'dir' | 'file'
}

/**
 * Mount points the sandbox needs (/proc, /dev, /etc/hosts, heredoc files...) that the image
 * lacks are created in a separate lower dir stacked *above* the merged parent, never in the
 * upper dir: so they are never part of the layer (BuildKit's runc leaves empty `proc/`, `sys/`
 * and copied-up `etc/` in a first RUN's layer, which this engine has no need to imitate and the
 * comparison sets aside), and bwrap never has to create anything inside the image's tree.
 *
 * A parent directory the image has is recreated here with the image's owner, mode and time,
 * since overlayfs shows the topmost lower's attributes for a merged directory. A target whose
 * parents are not plain directories in the image (a symlinked /etc, say) is not mountable: it is
 * left out rather than resolved, so no mount ever follows a link the image controls. /proc and
 * /dev themselves are always mountable: a non-directory there is hidden by the stub directory.
 *
 * Returns the targets that can be mounted.
 */
export function prepareMountPoints(lowerDir: string, stubsDir: string, targets: readonly MountTarget[], privileged: boolean): Set<string> {
  const mountable = new Set<string>()
  const created = new Map<string, Stats | undefined>()
  for (const target of targets) {
    const parts = target.path.split('/').filter((part) => part !== '')
    if (parts.length === 0) continue
    let safe = true
    const parents: [string, Stats | undefined][] = []
    for (let i = 1; i < parts.length && safe; i++) {
      const rel = parts.slice(0, i).join('/')
      const lower = lstatOrUndefined(join(lowerDir, rel))
      if (lower && !lower.isDirectory()) safe = false
      else parents.push([rel, lower])
    }
    if (!safe) continue
    const rel = parts.join('/')
    const lower = lstatOrUndefined(join(lowerDir, rel))
    const fits = lower && (target.type === 'dir' ? lower.isDirectory() : lower.isFile())
    if (!fits && lower && (target.type === 'file' || parts.length > 1)) continue
    mountable.add(target.path)
    if (fits) continue
    for (const [parent, stats] of parents) {
      if (created.has(parent)) continue
      mkdirSync(join(stubsDir, parent), { recursive: true, mode: 0o755 })
      created.set(parent, stats)
    }
    if (target.type === 'dir') {
      mkdirSync(join(stubsDir, rel), { recursive: true, mode: 0o755 })
      chmodSync(join(stubsDir, rel), 0o755)
    } else {
      closeSync(openSync(join(stubsDir, rel), 'wx', 0o644))
      chmodSync(join(stubsDir, rel), 0o644)
    }
  }
  // Parents as the image has them, deepest first (their children are all in place by now).
  for (const [parent, stats] of [...created].reverse()) {
    const host = join(stubsDir, parent)
    if (!stats) {
      chmodSync(host, 0o755)
      continue
    }
    if (privileged) lchownSync(host, stats.uid, stats.gid)
    chmodSync(host, stats.mode & 0o7777)
    utimesSync(host, stats.atime, stats.mtime)
  }
  return mountable
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}
