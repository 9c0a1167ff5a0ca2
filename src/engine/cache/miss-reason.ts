// Why a step missed the cache, as the root cause a person can act on. The checks run in order
// of how directly a person caused the change: a flag they passed, an edit to the step's own
// text, a build arg or ENV value, files in the context, the base image, and only then the chain
// (a rebuilt parent), because "parent rebuilt" is true of every step after a miss and says least.

import type { MissReason } from '../../shared/build-events'
import { keyMaterial } from './cache-key'
import { canonicalJson } from './canonical-json'
import { describeOpChange } from './op-diff'
import type { SourceInput, StepInputs } from './step-ops'
import type { StepRecord } from './step-record'

export interface ParentRebuilt {
  /** PlannedStep.id of the parent step, which missed in this build. */
  readonly stepId: string
  /** Its PlannedStep.index (what the timeline shows). */
  readonly index: number
  readonly instruction: string
}

export interface MissContext {
  /** `--no-cache`, or a `--no-cache-filter` that names this stage. */
  readonly noCache?: boolean
  /** Set when the step's parent was built (not cached) in this build. */
  readonly parentRebuilt?: ParentRebuilt
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null)

/** Variable values a step depends on: a RUN's whole env, or the variables a FileOp's text names. */
function valuesOf(inputs: StepInputs): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>()
  if (inputs.op.type === 'run') {
    for (const entry of inputs.op.env) {
      const eq = entry.indexOf('=')
      values.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1))
    }
  } else {
    for (const [name, value] of Object.entries(inputs.explain?.vars ?? {})) values.set(name, value ?? undefined)
  }
  return values
}

function variableChange(cur: StepInputs, prev: StepInputs): MissReason | undefined {
  const now = valuesOf(cur)
  const was = valuesOf(prev)
  const names = [...now.keys(), ...[...was.keys()].filter((n) => !now.has(n))]
  const changed = names.filter((n) => now.get(n) !== was.get(n))
  const args = new Set([...(cur.explain?.buildArgs ?? []), ...(prev.explain?.buildArgs ?? [])])
  // A build arg first: it is the knob most likely turned on purpose between two builds.
  const name = changed.find((n) => args.has(n)) ?? changed[0]
  if (name === undefined) return undefined
  const kind = args.has(name) ? 'build-arg-changed' : 'env-changed'
  const w = was.get(name)
  const n = now.get(name)
  return { kind, name, ...(w !== undefined ? { was: w } : {}), ...(n !== undefined ? { now: n } : {}) }
}

/** A selector as a person reads it: context-relative, heredocs and URLs as written. */
const displaySelector = (selector: string) => (selector.startsWith('/') ? selector.slice(1) || '.' : selector)

function diffFiles(
  prev: Readonly<Record<string, string>>,
  cur: Readonly<Record<string, string>>,
  out: { changed: Set<string>; added: Set<string>; removed: Set<string> },
): void {
  for (const [path, digest] of Object.entries(cur)) {
    const old = prev[path]
    if (old === undefined) out.added.add(path)
    else if (old !== digest) out.changed.add(path)
  }
  for (const path of Object.keys(prev)) if (cur[path] === undefined) out.removed.add(path)
}

/** Per source: the per-file maps when both builds have them, else the selector as a whole. */
function filesChange(cur: StepInputs, prev: StepInputs): MissReason | undefined {
  if (same(keyMaterial(cur).sources, keyMaterial(prev).sources)) return undefined
  const out = { changed: new Set<string>(), added: new Set<string>(), removed: new Set<string>() }
  const unmatched: SourceInput[] = [...(prev.sources ?? [])]
  for (const source of cur.sources ?? []) {
    const at = unmatched.findIndex((p) => p.selector === source.selector)
    const old = at < 0 ? undefined : unmatched.splice(at, 1)[0]
    if (old === undefined) out.added.add(displaySelector(source.selector))
    else if (old.digest === source.digest) continue
    else if (old.files !== undefined && source.files !== undefined) diffFiles(old.files, source.files, out)
    else out.changed.add(displaySelector(source.selector))
  }
  for (const old of unmatched) out.removed.add(displaySelector(old.selector))
  const sorted = (s: Set<string>) => [...s].sort()
  return { kind: 'files-changed', changed: sorted(out.changed), added: sorted(out.added), removed: sorted(out.removed) }
}

/** Parents that are not a step's key: `''` (scratch) or `image:<digest>|<platform>`. */
const isBaseParent = (parent: string) => parent === '' || parent.startsWith('image:')

/** `alpine:3.19@sha256:0123456789ab`, with the platform when it is what changed. */
function describeBase(base: string, ref: string | undefined, otherBase: string): string {
  if (base === '' || base === 'scratch') return 'scratch'
  const [digest = base, platform = ''] = base.replace(/^image:/, '').split('|')
  const short = /^sha256:[0-9a-f]{12,}$/.test(digest) ? digest.slice(0, 'sha256:'.length + 12) : digest
  const otherPlatform = otherBase.split('|')[1] ?? ''
  // A reference pinned by digest already says which image it is.
  const name = ref === undefined ? short : ref.includes('@') ? ref : `${ref}@${short}`
  return platform !== otherPlatform && platform !== '' ? `${name} (${platform})` : name
}

function baseChange(cur: StepInputs, prev: StepInputs): MissReason | undefined {
  if (cur.op.type === 'from' && prev.op.type === 'from' && cur.op.base !== prev.op.base) {
    return {
      kind: 'base-changed',
      was: describeBase(prev.op.base, prev.explain?.ref, cur.op.base),
      now: describeBase(cur.op.base, cur.explain?.ref, prev.op.base),
    }
  }
  if (cur.parent !== prev.parent && isBaseParent(cur.parent) && isBaseParent(prev.parent)) {
    // The first step after FROM: its parent is the base image itself.
    return {
      kind: 'base-changed',
      was: describeBase(prev.parent, undefined, cur.parent),
      now: describeBase(cur.parent, undefined, prev.parent),
    }
  }
  return undefined
}

/**
 * Explains a miss of `current` against the record the same step identity left last time. Call
 * it only for a miss: with identical inputs it can only say the entry is gone.
 */
export function explainMiss(current: StepRecord, previous: StepRecord | undefined, ctx: MissContext = {}): MissReason {
  if (ctx.noCache === true) return { kind: 'no-cache' }
  if (previous === undefined) return { kind: 'first-build' }
  const cur = current.inputs
  const prev = previous.inputs
  const opChanged = !same(cur.op, prev.op)
  // Text edits that change nothing keyed (spacing in COPY, a comment) are not the cause.
  if (current.instruction !== previous.instruction && opChanged) {
    return { kind: 'instruction-changed', was: previous.instruction, now: current.instruction }
  }
  if (opChanged) {
    const variable = variableChange(cur, prev)
    if (variable !== undefined) return variable
  }
  const files = filesChange(cur, prev)
  if (files !== undefined) return files
  const base = baseChange(cur, prev)
  if (base !== undefined) return base
  if (opChanged) return { kind: 'other', detail: describeOpChange(prev.op, cur.op) }
  if (cur.parent !== prev.parent) {
    const p = ctx.parentRebuilt
    if (p !== undefined) return { kind: 'parent-rebuilt', parentStepId: p.stepId, parentIndex: p.index, parentInstruction: p.instruction }
    if (cur.op.type === 'from' && cur.explain?.ref !== undefined) return { kind: 'other', detail: `stage ${cur.explain.ref} changed` }
    return { kind: 'other', detail: 'the layer below it changed' }
  }
  return { kind: 'other', detail: 'no cache entry for unchanged inputs (pruned, or its layer is missing)' }
}
