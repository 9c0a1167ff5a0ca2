// What is remembered about a step between builds (store: recordInputs/lastInputs), and under
// which identity, so the next build can say why the step missed.
//
// Step identity: (Dockerfile path, stage, ordinal of the step among the stage's *keyed* steps).
// * Keys never contain identity or line numbers, so a comment-only or blank-line edit changes no
//   key; identity only picks which old record a miss is compared with, and the ordinal counts
//   instructions, not lines, so such an edit leaves it alone as well.
// * Counting only keyed steps (FROM = 0, then RUN/COPY/ADD/WORKDIR) means adding or removing an
//   ENV, ARG, LABEL... does not shift later identities: the RUN after a new `ENV X=1` is still
//   compared with its own old record and reads "ENV X: (unset) → 1".
// * A named stage is identified by its name (BuildKit lower-cases it), so adding a stage above it
//   does not shift it; unnamed stages fall back to their index.
// * Adding, removing or reordering keyed steps does shift: reordering two COPYs compares each
//   with the other's old record and reports an instruction (or files) change. That is true at
//   that position and costs nothing in correctness: identity never decides a hit, keys do.

import { createHash } from 'node:crypto'
import type { StepInputs } from './step-ops'

export interface StepRecord {
  /** The instruction's original text (PlannedStep.instruction). */
  readonly instruction: string
  readonly inputs: StepInputs
}

/**
 * Stands for the whole record without serialising its per-file maps (MBs for a large COPY .):
 * each map lists exactly what its source's aggregate `digest` covers (names, contents, modes),
 * so equal digests mean equal maps, and only whether a map is present is taken. The store keeps
 * it at the head of the record file, so an unchanged record is not rewritten.
 */
export function stepRecordFingerprint(record: StepRecord): string {
  const { sources, ...rest } = record.inputs
  const material = {
    instruction: record.instruction,
    inputs: { ...rest, sources: sources?.map(({ files, ...source }) => ({ ...source, files: files !== undefined })) },
  }
  return 'step-v1:' + createHash('sha256').update(JSON.stringify(material)).digest('hex')
}

/**
 * The identity a step's record is stored under. `stage` is the stage name when it has one, else
 * its index; `keyedIndex` is the step's ordinal among the stage's keyed steps (FROM is 0). The
 * Dockerfile path should be absolute and normalised by the caller.
 */
export function stepIdentity(dockerfilePath: string, stage: number | string, keyedIndex: number): string {
  const stageId = typeof stage === 'string' ? `name:${stage.toLowerCase()}` : `index:${stage}`
  return `layerlab-step/v1 ${JSON.stringify([dockerfilePath, stageId, keyedIndex])}`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string')

/** The fields the miss explanation reads, per op type. */
function isOp(op: unknown): boolean {
  if (!isObject(op)) return false
  switch (op.type) {
    case 'run':
      return isStrings(op.args) && isStrings(op.env) && typeof op.cwd === 'string' && typeof op.user === 'string' && Array.isArray(op.mounts) && Array.isArray(op.heredocs)
    case 'copy':
    case 'add':
      return isStrings(op.src) && typeof op.dest === 'string'
    case 'mkdir':
      return typeof op.path === 'string' && typeof op.owner === 'string'
    case 'from':
      return typeof op.base === 'string'
    default:
      return false
  }
}

/**
 * A record read back from the store, or undefined when it is not one this version understands
 * (older format, damaged file): the step then explains as a first build rather than inventing a
 * reason from fields that mean something else.
 */
export function parseStepRecord(value: unknown): StepRecord | undefined {
  if (!isObject(value) || typeof value.instruction !== 'string') return undefined
  const inputs = value.inputs
  if (!isObject(inputs) || inputs.v !== 1 || typeof inputs.parent !== 'string') return undefined
  if (!isOp(inputs.op)) return undefined
  if (inputs.sources !== undefined) {
    const sources = inputs.sources
    if (!Array.isArray(sources)) return undefined
    const ok = sources.every((s) => isObject(s) && typeof s.selector === 'string' && typeof s.digest === 'string' && (s.files === undefined || isObject(s.files)))
    if (!ok) return undefined
  }
  if (inputs.explain !== undefined && !isObject(inputs.explain)) return undefined
  return value as unknown as StepRecord
}
