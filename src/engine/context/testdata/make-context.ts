// Test helper: materialises a small context directory from a description, with explicit modes
// so digests do not depend on the umask of whoever runs the tests.

import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export type NodeSpec =
  | string
  | { content: string; mode?: number }
  | { dir: true; mode?: number }
  | { symlink: string }
  | { hardlink: string }

/** Keys are '/'-separated relative paths; parents are created as 0755 directories. */
export type ContextSpec = Record<string, NodeSpec>

export function tempDir(prefix = 'layerlab-ctx-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

export function makeContext(spec: ContextSpec, root = tempDir()): string {
  const parents = new Set<string>()
  for (const [rel, node] of Object.entries(spec)) {
    const abs = path.join(root, ...rel.split('/'))
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'))
    mkdirSync(path.dirname(abs), { recursive: true })
    if (typeof node === 'string') {
      writeFileSync(abs, node)
      chmodSync(abs, 0o644)
    } else if ('content' in node) {
      writeFileSync(abs, node.content)
      chmodSync(abs, node.mode ?? 0o644)
    } else if ('dir' in node) {
      mkdirSync(abs, { recursive: true })
      chmodSync(abs, node.mode ?? 0o755)
    } else if ('symlink' in node) {
      symlinkSync(node.symlink, abs)
    } else {
      linkSync(path.join(root, ...node.hardlink.split('/')), abs)
    }
  }
  // Implicit parents get 0755 whatever the umask, so digests are reproducible.
  for (const dir of parents) if (!(dir in spec)) chmodSync(path.join(root, ...dir.split('/')), 0o755)
  return root
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
