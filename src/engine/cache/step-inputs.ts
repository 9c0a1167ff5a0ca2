// Step inputs: everything that determines a step's result, as a JSON-able record, following
// BuildKit's cache map rules (engine-reference §5.1). A cache key is the digest of this record
// (cache-key.ts), and the record itself is kept so a later miss can be explained field by field.
//
// What is deliberately left out, as BuildKit leaves it out:
// * metadata-only instructions (ENV, LABEL, CMD, USER, ARG, SHELL, ...) make no step at all;
//   they matter only through the RUN/WORKDIR/COPY ops they feed (env, user, shell, cwd);
// * COPY/ADD carry no env and no user (FileOps have neither), so an ENV/ARG change reaches a
//   COPY only through its own expanded text;
// * source *contents* are represented by their content digest (mtime excluded upstream), never
//   by the per-file maps, which only explain a miss;
// * proxy build args: expandStages never puts undeclared ones into the env, and the executor adds
//   them on its own; a declared `ARG HTTP_PROXY` is an ordinary ARG and is keyed, as in BuildKit;
// * `--no-cache` is a lookup flag, not an input.

import { createHash } from 'node:crypto'
import { formatPlatform, parseChmod } from '../dockerfile'
import type {
  AddInstruction,
  ArgDefinition,
  CopyInstruction,
  InstructionKind,
  Mount,
  Platform,
  RunInstruction,
  WorkdirInstruction,
} from '../dockerfile'
import { cleanSelector, resolveDest, resolveIn } from './container-path'
import type { BaseImage, CopyOp, MkdirOp, MountOp, RunOp, SourceInput, StepExplanation, StepInputs } from './step-ops'

/** What the orchestrator knows about the stage when it reaches a step. */
export interface StepContext {
  /** WORKDIR in effect before the step (`/` when none was set). */
  readonly workdir: string
  /** USER in effect (`''`: the image default, root). */
  readonly user: string
  /** SHELL in effect; RUN's shell form runs `[...shell, command]`. */
  readonly shell: readonly string[]
  /** The build environment before the step, in order (ExpandedStep.env: image ENV + ARG values). */
  readonly env: readonly (readonly [string, string])[]
  readonly platform: Platform | string
  /** The stage's ARGs so far (ExpandedStep.args). Only used to tell build args from ENV in a miss. */
  readonly args?: readonly ArgDefinition[]
}

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c']

/** Input the caller forgot to compute: keying without it could turn a real change into a hit. */
export class CacheInputError extends Error {
  override readonly name = 'CacheInputError'
}

/** The instructions that make a step with a key; every other one only edits the image config. */
export function hasCacheKey(kind: InstructionKind): boolean {
  return kind === 'from' || kind === 'run' || kind === 'copy' || kind === 'add' || kind === 'workdir'
}

/** The WORKDIR after `WORKDIR path`: relative paths build on the current one. */
export function resolveWorkdir(current: string, path: string): string {
  return resolveIn(current, path)
}

const platformText = (p: Platform | string) => (typeof p === 'string' ? p : formatPlatform(p))

/** What the first step of a stage chains to. */
export function baseParentKey(base: BaseImage): string {
  if (base.kind === 'scratch') return ''
  if (base.kind === 'stage') return base.key
  return `image:${base.manifestDigest}|${platformText(base.platform)}`
}

/**
 * FROM: an image is keyed by manifest digest + platform (mainManifestKey), not by the name it
 * was written with; a stage base chains to that stage's last key, so a rebuilt stage reads as a
 * rebuilt parent.
 */
export function fromStepInputs(base: BaseImage): StepInputs {
  if (base.kind === 'scratch') return { v: 1, parent: '', op: { type: 'from', base: 'scratch' } }
  if (base.kind === 'stage') return { v: 1, parent: base.key, op: { type: 'from', base: 'stage' }, explain: { ref: base.name } }
  return { v: 1, parent: '', op: { type: 'from', base: baseParentKey(base) }, explain: { ref: base.ref } }
}

/** Which env names hold a build ARG's value (ARG and ENV share one env; the later one wins). */
function buildArgNames(names: Iterable<string>, ctx: StepContext): string[] {
  const args = new Map((ctx.args ?? []).map((a) => [a.key, a.value]))
  const env = new Map(ctx.env.map(([n, v]) => [n, v]))
  return [...new Set(names)].filter((n) => {
    const value = args.get(n)
    return value !== undefined && value !== null && env.get(n) === value
  })
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g

/** The variables a FileOp's text names: its only way to depend on ENV or ARG values. */
function referencedVars(original: string, ctx: StepContext): StepExplanation | undefined {
  const names = [...original.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? '')
  if (names.length === 0) return undefined
  const env = new Map(ctx.env.map(([n, v]) => [n, v]))
  const vars = Object.fromEntries(names.map((n) => [n, env.get(n) ?? null]))
  const buildArgs = buildArgNames(names, ctx)
  return buildArgs.length > 0 ? { vars, buildArgs } : { vars }
}

function mountOp(m: Mount, content: string | undefined, index: number): MountOp {
  const base = { type: m.type, target: m.target, readonly: m.readOnly }
  const perms = { mode: m.mode ?? undefined, uid: m.uid ?? undefined, gid: m.gid ?? undefined }
  const needsContent = m.type === 'bind' || (m.type === 'cache' && m.from !== null)
  if (needsContent && (content === undefined || content === '')) {
    throw new CacheInputError(`RUN --mount #${index + 1} (${m.type}, target ${m.target ?? '?'}): no content digest given for its source`)
  }
  switch (m.type) {
    case 'bind':
      return { ...base, source: cleanSelector(m.source ?? '/'), content }
    case 'cache': {
      const from = m.from === null ? {} : { source: cleanSelector(m.source ?? '/'), content }
      const id = m.cacheId !== null && m.cacheId !== '' && m.cacheId !== m.target ? m.cacheId : undefined
      const sharing = m.cacheSharing !== null && m.cacheSharing !== 'shared' ? m.cacheSharing : undefined
      return { ...base, ...from, id, sharing, ...perms }
    }
    case 'tmpfs':
      return { ...base, size: m.sizeLimit ?? undefined }
    case 'secret':
      return { ...base, source: m.source ?? undefined, id: m.cacheId ?? undefined, required: m.required, env: m.env ?? undefined, ...perms }
    case 'ssh':
      return { ...base, id: m.cacheId ?? undefined, required: m.required, ...perms }
  }
}

/**
 * RUN: the full exec op. `mountContents[i]` is the content digest for `run.mounts[i]` when it
 * is a bind mount or a cache mount with `from` (the digest of the selected path in the context
 * or the `from` stage, or that stage's key); it is required there and ignored elsewhere.
 */
export function runStepInputs(
  parentKey: string,
  run: RunInstruction,
  ctx: StepContext,
  mountContents: readonly (string | undefined)[] = [],
): StepInputs {
  const args = run.command.form === 'shell' ? [...ctx.shell, run.command.command] : [...run.command.args]
  const mounts = run.mounts.map((flag, i) => {
    if (flag.resolved === null) throw new CacheInputError(`RUN --mount #${i + 1} is not expanded: key the expanded instruction`)
    return mountOp(flag.resolved, mountContents[i], i)
  })
  const op: RunOp = {
    type: 'run',
    args,
    heredocs: run.heredocs.map((h) => ({ name: h.name, content: h.content, chomp: h.chomp })),
    env: ctx.env.map(([n, v]) => `${n}=${v}`),
    cwd: ctx.workdir,
    user: ctx.user,
    network: run.network,
    security: run.security,
    mounts,
    devices: run.devices.map((d) => ({ name: d.name, required: d.required })),
    platform: platformText(ctx.platform),
  }
  const buildArgs = buildArgNames(ctx.env.map(([n]) => n), ctx)
  return { v: 1, parent: parentKey, op, ...(buildArgs.length > 0 ? { explain: { buildArgs } } : {}) }
}

function sha256Hex(text: string): string {
  return 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex')
}

function normalizeChmod(chmod: string | null): number | string | null {
  return chmod === null ? null : parseChmod(chmod).mode
}

/**
 * COPY/ADD: the copy action plus its sources' content digests. `sources` comes from the context
 * module (one entry per source, or per selector it derived), in order; heredoc sources are added
 * here from their text. `COPY --link` is keyed without its parent: its layer is made on an empty
 * tree and does not depend on what it lands on — except with `--chmod`, where BuildKit falls
 * back to a plain copy (engine-reference §3.5), so the parent stays in the key.
 */
export function copyStepInputs(
  parentKey: string,
  instr: CopyInstruction | AddInstruction,
  ctx: StepContext,
  sources: readonly SourceInput[],
): StepInputs {
  for (const s of sources) {
    if (typeof s.digest !== 'string' || s.digest === '') throw new CacheInputError(`COPY source ${s.selector}: no content digest`)
  }
  const heredocSources: SourceInput[] = instr.heredocs.map((h) => ({ selector: `<<${h.name}`, digest: sha256Hex(h.content) }))
  const link = instr.link && instr.chmod === null
  const op: CopyOp = {
    type: instr.kind,
    src: [...instr.sources.map(cleanSelector), ...heredocSources.map((s) => s.selector)],
    dest: resolveDest(ctx.workdir, instr.dest),
    chown: instr.chown,
    chmod: normalizeChmod(instr.chmod),
    followSymlinks: true,
    dirContents: true,
    unpack: instr.kind === 'add' ? instr.unpack : false,
    link,
    parents: instr.kind === 'copy' ? instr.parents : false,
    excludes: [...instr.excludes],
    checksum: instr.kind === 'add' ? instr.checksum : null,
    keepGitDir: instr.kind === 'add' ? instr.keepGitDir : null,
  }
  const keyed = [
    // `files` is read-only and made for this step by the caller: shared, not copied (a COPY of
    // 20,000 files spent ~30 ms copying its map on every rebuild).
    ...sources.map((s) => ({ selector: cleanSelector(s.selector), digest: s.digest, ...(s.files ? { files: s.files } : {}) })),
    ...heredocSources,
  ]
  const explain = referencedVars(instr.original, ctx)
  return { v: 1, parent: link ? '' : parentKey, op, sources: keyed, ...(explain ? { explain } : {}) }
}

/** WORKDIR: a mkdir owned by USER, or null for `/` (which exists and makes no layer). */
export function workdirStepInputs(parentKey: string, instr: WorkdirInstruction, ctx: StepContext): StepInputs | null {
  const path = resolveWorkdir(ctx.workdir, instr.path)
  if (path === '/') return null
  const op: MkdirOp = { type: 'mkdir', path, mode: 0o755, parents: true, owner: ctx.user }
  const explain = referencedVars(instr.original, ctx)
  return { v: 1, parent: parentKey, op, ...(explain ? { explain } : {}) }
}
