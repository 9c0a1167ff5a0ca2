// What the .dockerignore rule needs to know about a build context: which .dockerignore applies,
// and the size of the top-level .git and node_modules it would send, measured with the same
// walk the build uses (symlinks not followed).

import { lstat } from 'node:fs/promises'
import path from 'node:path'
import { PatternMatcher, loadDockerignore, walkContext } from '../context'
import type { ContextFacts } from '../dockerfile/lint'

const HEAVY = ['.git', 'node_modules'] as const

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isDirectory()
  } catch {
    return false
  }
}

/** Facts about `contextDir` for the lint; `dockerfile` is relative to it (for `<name>.dockerignore`). */
export async function gatherContextFacts(contextDir: string, dockerfile?: string): Promise<ContextFacts> {
  const ignore = await loadDockerignore({ contextDir, ...(dockerfile === undefined ? {} : { dockerfilePath: dockerfile }) })
  const matcher = ignore.patterns.length > 0 ? new PatternMatcher(ignore.patterns) : null
  const heavyDirs: { name: (typeof HEAVY)[number]; bytes: number; files: number }[] = []
  for (const name of HEAVY) {
    const dir = path.join(contextDir, name)
    if (!(await isDirectory(dir))) continue
    if (matcher?.matchesOrParentMatches(name)) continue
    let bytes = 0
    let files = 0
    for (const entry of await walkContext(dir)) {
      if (entry.type !== 'file') continue
      files++
      bytes += entry.size
    }
    heavyDirs.push({ name, bytes, files })
  }
  return { dockerignore: ignore.source, heavyDirs }
}
