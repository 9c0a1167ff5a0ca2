// The sandbox probe's success, remembered on disk beside the store's exec state. Probing runs
// `bwrap --help`, `tar --version` and an overlay mount in a fresh namespace: three process
// spawns that cost a fresh `layerlab build` ~0.1 s (11% of a no-op rebuild in the first
// benchmark run) before it could tell that every step came from the cache. The record is only
// trusted while nothing it depended on has changed: the kernel, the user and mode, the
// filesystem of the state dir, and each tool's inode, size and mtime. Failures are never
// recorded, so a fix (installing bubblewrap, enabling user namespaces) is seen at once.

import { statSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { release } from 'node:os'
import { join } from 'node:path'
import { findExecutable } from './host-tools'
import type { SandboxTools } from './sandbox-args'

const FILE = 'sandbox-probe.json'
const TOOL_NAMES = ['bwrap', 'unshare', 'setpriv', 'mount', 'tar', 'sh', 'mkdir'] as const

/** What the probe's outcome depends on; undefined when a tool is missing (then probe for the message). */
function probeKey(stateDir: string, privileged: boolean): string | undefined {
  const tools: string[] = []
  for (const name of TOOL_NAMES) {
    const path = findExecutable(name)
    if (path === undefined) return undefined
    const st = statSync(path)
    tools.push(`${name}=${path}:${st.ino}:${st.size}:${st.mtimeMs}`)
  }
  return JSON.stringify({ version: 1, kernel: release(), uid: process.getuid?.(), privileged, stateDev: statSync(stateDir).dev, tools })
}

function isTools(value: unknown): value is SandboxTools {
  if (typeof value !== 'object' || value === null) return false
  return TOOL_NAMES.every((name) => typeof (value as Record<string, unknown>)[name] === 'string')
}

/** The tools a matching earlier probe found, or undefined (probe again). */
export function recalledProbe(stateDir: string, privileged: boolean): SandboxTools | undefined {
  try {
    const record = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as { key?: unknown; tools?: unknown }
    const key = probeKey(stateDir, privileged)
    return key !== undefined && record.key === key && isTools(record.tools) ? record.tools : undefined
  } catch {
    return undefined
  }
}

/** Remembers a successful probe; a failure to write only means probing again next time. */
export function recordProbe(stateDir: string, privileged: boolean, tools: SandboxTools): void {
  const file = join(stateDir, FILE)
  const temp = `${file}.${process.pid}.tmp`
  try {
    const key = probeKey(stateDir, privileged)
    if (key === undefined) return
    writeFileSync(temp, JSON.stringify({ key, tools }))
    renameSync(temp, file)
  } catch {
    rmSync(temp, { force: true })
  }
}
