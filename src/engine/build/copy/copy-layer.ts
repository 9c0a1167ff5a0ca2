// The layer a COPY or ADD step produces. Sources are read (context, another filesystem, URLs,
// heredocs), laid onto an in-memory view of the parent filesystem in BuildKit's order, and the
// changed part of that view is written as the layer blob.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddInstruction, CopyInstruction } from '../../dockerfile'
import { writeLayer } from '../../layers'
import type { LayerDigests } from '../../layers'
import { unpackIfArchive } from './add-archive'
import { downloadSource } from './add-url'
import { applyCopy } from './copy-apply'
import type { BuildContext } from './context-port'
import { contextItems } from './context-source'
import { checkDestinationTakesMany, heredocFileName, planStep } from './copy-plan'
import type { MetaOptions, StepPlan } from './copy-plan'
import type { SourceItem } from './copy-source'
import { LayerTree } from './layer-tree'
import { resolveOwner } from './ownership'
import { emptyView } from './rootfs-port'
import type { RootfsView } from './rootfs-port'
import { rootfsItems } from './rootfs-source'

export interface CopyStepInput {
  /** Expanded (variables replaced). */
  instruction: CopyInstruction | AddInstruction
  /** The WORKDIR in effect, absolute. */
  workdir: string
  /** The filesystem the step lands on. */
  parent: RootfsView
  /** Where local sources come from: the build context, or (COPY --from) a stage's or image's filesystem. */
  source: { kind: 'context'; context: BuildContext } | { kind: 'rootfs'; rootfs: RootfsView }
  /** File to write the layer blob (gzip) to. */
  out: string
  signal?: AbortSignal
  /**
   * The step's time in seconds, for directories it creates or changes (BuildKit uses the wall
   * clock there; pass a fixed value for reproducible layers). Default: now.
   */
  timestamp?: number
  /** For ADD <url>; the global fetch by default. */
  fetch?: typeof fetch
}

export type CopyLayerResult = Omit<LayerDigests, 'mediaType'> & { mediaType: string }

async function localItems(input: CopyStepInput, source: string): Promise<SourceItem[]> {
  const exclude = input.instruction.excludes
  const parents = input.instruction.kind === 'copy' && input.instruction.parents
  if (input.source.kind === 'context') return contextItems(input.source.context, [source], { exclude, parents })
  return rootfsItems(input.source.rootfs, [source], { exclude, parents })
}

function heredocItem(plan: StepPlan, index: number, now: number): SourceItem {
  const h = plan.heredocs[index]
  if (h === undefined) throw new Error('no such heredoc')
  const bytes = Buffer.from(h.content, 'utf8')
  const name = heredocFileName(h)
  // llb.Mkfile(name, 0644, data) on scratch: root-owned, stamped with the step's time.
  return { name, source: `<<${h.name}`, root: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now, size: bytes.length, content: { from: 'bytes', bytes } } }
}

export async function buildCopyLayer(input: CopyStepInput): Promise<CopyLayerResult> {
  const plan = planStep(input.instruction, input.workdir)
  const now = input.timestamp ?? Math.floor(Date.now() / 1000)
  // --link copies onto an empty filesystem: the layer cannot depend on what it lands on.
  const tree = new LayerTree(plan.link ? emptyView() : input.parent, now)
  const chown = input.instruction.chown === null ? null : await resolveOwner(input.parent, input.instruction.chown)
  const meta: MetaOptions = { chown, chmod: plan.chmod, now }
  const scratchDir = await mkdtemp(join(tmpdir(), 'layerlab-copy-'))
  try {
    // Local sources are selected up front: a missing one fails the step before any download.
    const local = new Map<number, SourceItem[]>()
    let count = plan.heredocs.length
    for (const [i, spec] of plan.sources.entries()) {
      if (spec.kind === 'url') count++
      else {
        const items = await localItems(input, spec.source)
        local.set(i, items)
        count += items.length
      }
    }
    const destInfo = await tree.lstat(await tree.resolve(plan.dest, true))
    checkDestinationTakesMany(plan, count, destInfo?.type === 'dir')

    for (const [i, spec] of plan.sources.entries()) {
      input.signal?.throwIfAborted()
      if (spec.kind === 'url') {
        const item = await downloadSource(spec.url, { fileName: spec.fileName, checksum: plan.checksum, scratchDir, signal: input.signal, fetch: input.fetch })
        const unpackOpts = { chown, now, scratchDir, signal: input.signal }
        if (plan.unpackUrls && item.archiveCandidate && (await unpackIfArchive(tree, plan.dest, item.archiveCandidate.path, unpackOpts))) continue
        await applyCopy(tree, plan.dest, item, meta)
        continue
      }
      for (const item of local.get(i) ?? []) {
        input.signal?.throwIfAborted()
        const candidate = plan.unpackLocal ? item.archiveCandidate : undefined
        if (candidate && (await unpackIfArchive(tree, plan.dest, candidate.path, { chown, now, scratchDir, signal: input.signal }))) continue
        await applyCopy(tree, plan.dest, item, meta)
      }
    }
    for (let i = 0; i < plan.heredocs.length; i++) await applyCopy(tree, plan.dest, heredocItem(plan, i, now), meta)

    return await writeLayer(tree.entries(), input.out)
  } finally {
    await rm(scratchDir, { recursive: true, force: true })
  }
}
