// A step's cache key: the sha256 of its inputs in canonical JSON. Keys chain through `parent`,
// so a miss cascades to every later step of the stage. `COPY --link` is keyed without a parent,
// but the state after it is still the stage below plus its layer: the next step chains to both.

import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json'
import type { SourceInput, StepInputs } from './step-ops'

/** The part of the inputs that is hashed: without `explain` and the per-file maps of sources. */
export interface KeyMaterial {
  readonly v: 1
  readonly parent: string
  readonly op: StepInputs['op']
  readonly sources?: readonly Omit<SourceInput, 'files'>[]
}

/**
 * Strips what only explains a miss. The per-file maps must not be keyed beyond the aggregate
 * digest: the aggregate already covers names, contents and modes, and a map built a little
 * differently (say, listing directories) must not turn an unchanged source into a miss.
 */
export function keyMaterial(inputs: StepInputs): KeyMaterial {
  const material: KeyMaterial = { v: inputs.v, parent: inputs.parent, op: inputs.op }
  if (inputs.sources === undefined) return material
  return { ...material, sources: inputs.sources.map((s) => ({ selector: s.selector, digest: s.digest })) }
}

/** `sha256:<hex>` of the canonical JSON of the key material. */
export function cacheKey(inputs: StepInputs): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(keyMaterial(inputs)), 'utf8').digest('hex')
}

const isLinkedCopy = (inputs: StepInputs) => (inputs.op.type === 'copy' || inputs.op.type === 'add') && inputs.op.link

/**
 * The key the next step of the stage chains to (its `parent`). It is the step's own key, except
 * after `COPY --link`: BuildKit merges the independent layer onto the state below (MergeOp), so
 * the following step depends on both and must miss when either changes, even though the
 * `--link` step itself stays cached.
 */
export function chainKey(parentKey: string, inputs: StepInputs): string {
  const key = cacheKey(inputs)
  if (!isLinkedCopy(inputs) || parentKey === '') return key
  const merge = canonicalJson({ v: 1, merge: [parentKey, key] })
  return 'sha256:' + createHash('sha256').update(merge, 'utf8').digest('hex')
}
