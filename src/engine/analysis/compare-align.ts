/**
 * Lining up the layers of two images by the instruction that made them. The same Dockerfile
 * step is spelled differently depending on who reports it (the build step's text, BuildKit's
 * created_by, the classic builder's `/bin/sh -c #(nop)` form), so instructions are normalized
 * first; then a weighted longest-common-subsequence pairs them in order, so an inserted or
 * deleted step leaves the rest paired. Layers with the same diffID are the same layer whatever
 * made them, and weigh more than an instruction match.
 */

export interface AlignKey {
  diffId?: string | undefined
  /** Normalized with normalizeInstruction. */
  instruction: string
}

export interface AlignedPair {
  a?: number
  b?: number
  /** Paired outside the common order: the step moved. */
  moved?: true
}

const SAME_LAYER = 3
const SAME_INSTRUCTION = 2

/** Leading option words of a RUN (--mount=…, --network=…) that created_by leaves out. */
const RUN_FLAGS = /^(--[a-z-]+(=\S*)?\s+)+/i
/** `|2 A=1 B=2 ` — the build args BuildKit and the classic builder put before a RUN's command. */
const RUN_ARGS = /^\|(\d+)\s+/

function stripRunArgs(text: string): string {
  const m = RUN_ARGS.exec(text)
  if (!m) return text
  let rest = text.slice(m[0].length)
  for (let n = Number(m[1]); n > 0; n--) rest = rest.replace(/^\S*\s*/, '')
  return rest
}

export function normalizeInstruction(text: string): string {
  let t = text.replace(/\s+/g, ' ').trim()
  t = t.replace(/ # buildkit$/, '')
  t = t.replace(/^\/bin\/sh -c #\(nop\) ?/, '')
  let run = false
  if (/^run /i.test(t)) {
    run = true
    t = t.slice(4).replace(RUN_FLAGS, '')
  }
  const argless = stripRunArgs(t)
  if (argless !== t) run = true
  t = argless
  if (t.startsWith('/bin/sh -c ')) {
    run = true
    t = t.slice('/bin/sh -c '.length)
  }
  if (run) return `RUN ${t}`
  // The classic builder names COPY/ADD sources by content (`file:3a4b…`): that names the
  // content, not the step, so it must not stop two versions of the step from pairing.
  t = t.replace(/\b(file|dir|multi):[0-9a-f]{16,}/g, '$1:*')
  const space = t.indexOf(' ')
  return space < 0 ? t.toUpperCase() : t.slice(0, space).toUpperCase() + t.slice(space)
}

function weight(a: AlignKey, b: AlignKey): number {
  if (a.diffId !== undefined && a.diffId === b.diffId) return SAME_LAYER
  if (a.instruction !== '' && a.instruction === b.instruction) return SAME_INSTRUCTION
  return 0
}

/**
 * Pairs in image order: both sides for matched layers, one side for a layer only that image
 * has. A layer left over on each side with the same diffID or instruction (a reordered step)
 * is paired afterwards and marked `moved`, at B's position.
 */
export function alignLayers(a: readonly AlignKey[], b: readonly AlignKey[]): AlignedPair[] {
  const n = a.length
  const m = b.length
  // score[i][j]: best total weight aligning a[i..] with b[j..].
  const score: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    const row = score[i] as Float64Array
    const below = score[i + 1] as Float64Array
    for (let j = m - 1; j >= 0; j--) {
      const w = weight(a[i] as AlignKey, b[j] as AlignKey)
      row[j] = Math.max(below[j] as number, row[j + 1] as number, w > 0 ? w + (below[j + 1] as number) : 0)
    }
  }
  const pairs: AlignedPair[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m) {
      const w = weight(a[i] as AlignKey, b[j] as AlignKey)
      const here = (score[i] as Float64Array)[j] as number
      if (w > 0 && here === w + ((score[i + 1] as Float64Array)[j + 1] as number)) {
        pairs.push({ a: i++, b: j++ })
        continue
      }
      // Prefer emitting A's leftover first so a replaced step reads "removed, then added".
      if (here === ((score[i + 1] as Float64Array)[j] as number)) pairs.push({ a: i++ })
      else pairs.push({ b: j++ })
    } else if (i < n) pairs.push({ a: i++ })
    else pairs.push({ b: j++ })
  }
  return pairMoved(pairs, a, b)
}

function pairMoved(pairs: AlignedPair[], a: readonly AlignKey[], b: readonly AlignKey[]): AlignedPair[] {
  const onlyA = pairs.filter((p) => p.b === undefined)
  const partner = new Map<AlignedPair, AlignedPair>()
  const taken = new Set<AlignedPair>()
  for (const strength of [SAME_LAYER, SAME_INSTRUCTION]) {
    for (const pair of pairs) {
      if (pair.a !== undefined || pair.b === undefined || partner.has(pair)) continue
      const key = b[pair.b] as AlignKey
      const match = onlyA.find((p) => !taken.has(p) && weight(a[p.a as number] as AlignKey, key) === strength)
      if (!match) continue
      taken.add(match)
      partner.set(pair, match)
    }
  }
  const out: AlignedPair[] = []
  for (const pair of pairs) {
    if (taken.has(pair)) continue
    const match = partner.get(pair)
    out.push(match ? { a: match.a as number, b: pair.b as number, moved: true } : pair)
  }
  return out
}
