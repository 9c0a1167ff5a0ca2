// Which field of a step's op changed, in the words of the instruction or setting a person would
// edit (`WORKDIR changed: /a → /b`, `SHELL changed: …`). Used for the `other` miss reason, when
// the text of the step itself is unchanged and no ENV/ARG/file change explains the miss.

import { canonicalJson } from './canonical-json'
import type { CopyOp, MkdirOp, MountOp, RunOp, StepOp } from './step-ops'

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null)
const userText = (u: string) => (u === '' ? '(default)' : u)

function shellChange(prev: readonly string[], cur: readonly string[]): string | undefined {
  // With the text unchanged, a shell-form command keeps its last word: the prefix is the SHELL.
  if (prev.length === 0 || cur.length === 0 || prev[prev.length - 1] !== cur[cur.length - 1]) return undefined
  const was = prev.slice(0, -1)
  const now = cur.slice(0, -1)
  return same(was, now) ? undefined : `SHELL changed: ${JSON.stringify(was)} → ${JSON.stringify(now)}`
}

function mountChanges(prev: readonly MountOp[], cur: readonly MountOp[]): string[] {
  if (same(prev, cur)) return []
  if (prev.length !== cur.length) return ['--mount changed']
  return cur.flatMap((m, i) => {
    const p = prev[i]
    if (p === undefined || same(p, m)) return []
    const where = `--mount ${m.type} target=${m.target ?? '?'}`
    if (same({ ...p, content: undefined }, { ...m, content: undefined })) return [`${where}: source content changed`]
    return [`${where} changed`]
  })
}

function runChanges(prev: RunOp, cur: RunOp): string[] {
  const out: string[] = []
  if (prev.cwd !== cur.cwd) out.push(`WORKDIR changed: ${prev.cwd} → ${cur.cwd}`)
  if (prev.user !== cur.user) out.push(`USER changed: ${userText(prev.user)} → ${userText(cur.user)}`)
  if (!same(prev.args, cur.args)) out.push(shellChange(prev.args, cur.args) ?? 'command changed')
  for (const h of cur.heredocs) {
    const p = prev.heredocs.find((x) => x.name === h.name)
    if (p === undefined || !same(p, h)) out.push(`heredoc <<${h.name} changed`)
  }
  if (!same(prev.env, cur.env)) {
    // Values were compared before this is reached (env-changed); what is left is order.
    const sorted = (e: readonly string[]) => [...e].sort()
    out.push(same(sorted(prev.env), sorted(cur.env)) ? 'environment order changed' : 'environment changed')
  }
  if (prev.network !== cur.network) out.push(`--network changed: ${prev.network} → ${cur.network}`)
  if (prev.security !== cur.security) out.push(`--security changed: ${prev.security} → ${cur.security}`)
  out.push(...mountChanges(prev.mounts, cur.mounts))
  if (!same(prev.devices, cur.devices)) out.push('--device changed')
  if (prev.platform !== cur.platform) out.push(`platform changed: ${prev.platform} → ${cur.platform}`)
  return out
}

const COPY_FLAGS: readonly [keyof CopyOp, string][] = [
  ['chown', '--chown'],
  ['chmod', '--chmod'],
  ['link', '--link'],
  ['parents', '--parents'],
  ['excludes', '--exclude'],
  ['unpack', '--unpack'],
  ['checksum', '--checksum'],
  ['keepGitDir', '--keep-git-dir'],
]

function flagValue(field: keyof CopyOp, value: unknown): string {
  if (value === null || value === undefined) return '(none)'
  if (field === 'chmod' && typeof value === 'number') return '0' + value.toString(8)
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function copyChanges(prev: CopyOp, cur: CopyOp): string[] {
  const out: string[] = []
  if (!same(prev.src, cur.src)) out.push(`sources changed: ${prev.src.join(' ')} → ${cur.src.join(' ')}`)
  if (prev.dest !== cur.dest) out.push(`destination changed: ${prev.dest} → ${cur.dest}`)
  for (const [field, flag] of COPY_FLAGS) {
    if (!same(prev[field], cur[field])) out.push(`${flag} changed: ${flagValue(field, prev[field])} → ${flagValue(field, cur[field])}`)
  }
  return out
}

function mkdirChanges(prev: MkdirOp, cur: MkdirOp): string[] {
  const out: string[] = []
  if (prev.path !== cur.path) out.push(`WORKDIR changed: ${prev.path} → ${cur.path}`)
  if (prev.owner !== cur.owner) out.push(`USER changed: ${userText(prev.owner)} → ${userText(cur.owner)}`)
  return out
}

/** Fields present in either op whose values differ: the fallback when no rule above names them. */
function changedFields(prev: StepOp, cur: StepOp): string[] {
  const p = prev as unknown as Record<string, unknown>
  const c = cur as unknown as Record<string, unknown>
  return [...new Set([...Object.keys(p), ...Object.keys(c)])].filter((k) => !same(p[k], c[k])).sort()
}

/** One line naming what changed between two ops of a step, most actionable first. */
export function describeOpChange(prev: StepOp, cur: StepOp): string {
  let changes: string[] = []
  if (prev.type !== cur.type) return `step changed from ${prev.type} to ${cur.type}`
  if (prev.type === 'run' && cur.type === 'run') changes = runChanges(prev, cur)
  else if ((prev.type === 'copy' || prev.type === 'add') && (cur.type === 'copy' || cur.type === 'add')) changes = copyChanges(prev, cur)
  else if (prev.type === 'mkdir' && cur.type === 'mkdir') changes = mkdirChanges(prev, cur)
  if (changes.length === 0) {
    const fields = changedFields(prev, cur)
    return fields.length === 0 ? 'step changed' : `${fields.join(', ')} changed`
  }
  return changes.join('; ')
}
