// Puts numbers on lint findings from the project's builds: bytes a RUN left under a cache
// directory (read from the real layer tar, streamed), how often a dependency install rebuilt,
// what later RUNs of a group threw away, how often the base image moved.

import path from 'node:path'
import type { StepFinishedEvent } from '../../shared/build-events'
import { formatSize } from '../../shared/format'
import { toBuildView } from '../api-records'
import type { CostProbe, LintFinding } from '../dockerfile/lint'
import { classifyWhiteout, readLayer } from '../layers'
import { LayerScanCache, type LayerScan } from './layer-scan-cache'
import { listBuilds, readBuild, resolveImage, type BuildRecord, type Store } from '../store'

export interface MeasuredCost {
  /** What was measured, in words: `/var/lib/apt/lists: 41MB in layer 4 of 9 (line 3)`. */
  readonly text: string
  /** The bytes, when the cost is bytes. */
  readonly bytes?: number
}

export interface CostBuild {
  readonly id: string
  readonly startedAt: string
}

/** How many recent builds the rebuild and base counts look at. */
const RECENT_BUILDS = 10

const clean = (p: string) => p.replace(/^\.?\/+/, '').replace(/\/+$/, '')
const sameInstruction = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim()

function sameDockerfile(record: BuildRecord, project: string, dockerfile: string): boolean {
  const recorded = typeof record.dockerfile === 'string' ? record.dockerfile : ''
  return path.resolve(record.project, recorded || 'Dockerfile') === path.resolve(project, dockerfile)
}

/** The steps of a build for this instruction: at its line with the same text, else by text alone. */
function stepsFor(steps: readonly StepFinishedEvent[], line: number, instruction: string): StepFinishedEvent[] {
  const same = steps.filter((s) => sameInstruction(s.instruction, instruction))
  const atLine = same.filter((s) => s.location.start.line === line)
  return atLine.length > 0 ? atLine : same
}

function scanLayer(store: Store, digest: string, cache: LayerScanCache): Promise<LayerScan> {
  return cache.scan(digest, async () => {
    const files = new Map<string, number>()
    const deleted: string[] = []
    const stream = await store.openBlob(digest)
    for await (const entry of readLayer(stream as AsyncIterable<Uint8Array>)) {
      const name = clean(entry.header.name)
      const whiteout = classifyWhiteout(name)
      if (whiteout?.kind === 'whiteout') deleted.push(whiteout.target)
      else if (whiteout?.kind === 'opaque') deleted.push(`${whiteout.dir}/`)
      else if (!whiteout && entry.header.type === 'file') files.set(name, entry.header.size)
    }
    return { files, deleted }
  })
}

const under = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`)

interface BuildLayers {
  readonly record: BuildRecord
  readonly steps: readonly StepFinishedEvent[]
  /** diffID → position in the built image and the blob to read. */
  readonly image: ReadonlyMap<string, { index: number; digest: string }>
  readonly layerCount: number
}

async function buildLayers(store: Store, record: BuildRecord): Promise<BuildLayers> {
  const view = toBuildView(record)
  const image = new Map<string, { index: number; digest: string }>()
  let layerCount = 0
  // A pruned image still leaves the steps' own layer digests to read, when their blobs remain.
  const resolved = view.image ? await resolveImage(store, view.image.digest).catch(() => null) : null
  if (resolved) {
    const diffIds = resolved.config.rootfs?.diff_ids ?? []
    layerCount = diffIds.length
    diffIds.forEach((diffId, index) => {
      const digest = resolved.manifest.layers[index]?.digest
      if (digest) image.set(diffId, { index, digest })
    })
  }
  return { record, steps: view.steps, image, layerCount }
}

/** The layer a step made: its blob and how to name it (`layer 4 of 9`). */
function layerOf(build: BuildLayers, step: StepFinishedEvent): { digest: string; name: string } | null {
  const layer = step.layer
  if (!layer) return null
  const inImage = build.image.get(layer.diffId)
  const digest = inImage?.digest ?? layer.digest
  if (!digest) return null
  const name = inImage ? `layer ${inImage.index + 1} of ${build.layerCount}` : `the layer of line ${step.location.start.line}`
  return { digest, name }
}

async function layerPathsCost(store: Store, build: BuildLayers, probe: Extract<CostProbe, { kind: 'layer-paths' }>, cache: LayerScanCache): Promise<MeasuredCost | null> {
  const step = stepsFor(build.steps, probe.line, probe.instruction).find((s) => s.layer)
  const layer = step ? layerOf(build, step) : null
  if (!layer) return null
  const scan = await scanLayer(store, layer.digest, cache).catch(() => null)
  if (!scan) return null
  const dirs = probe.paths.map(clean)
  let bytes = 0
  let files = 0
  for (const [file, size] of scan.files) {
    if (!dirs.some((d) => under(file, d))) continue
    bytes += size
    files++
  }
  return { text: `${probe.paths.join(', ')}: ${formatSize(bytes)} in ${files} files, in ${layer.name}`, bytes }
}

async function runGroupCost(store: Store, build: BuildLayers, probe: Extract<CostProbe, { kind: 'run-group' }>, cache: LayerScanCache): Promise<MeasuredCost | null> {
  const layers: { name: string; scan: LayerScan; size: number }[] = []
  for (const [i, line] of probe.lines.entries()) {
    const step = stepsFor(build.steps, line, probe.instructions[i] ?? '').find((s) => s.layer)
    const layer = step ? layerOf(build, step) : null
    if (!step?.layer || !layer) return null
    const scan = await scanLayer(store, layer.digest, cache).catch(() => null)
    if (!scan) return null
    layers.push({ name: layer.name, scan, size: step.layer.size })
  }
  // Bytes an earlier RUN of the group wrote that a later one deleted or replaced: one RUN would not keep them.
  let wasted = 0
  layers.forEach((earlier, i) => {
    const later = layers.slice(i + 1)
    for (const [file, size] of earlier.scan.files) {
      const gone = later.some(
        (l) => l.scan.files.has(file) || l.scan.deleted.some((d) => (d.endsWith('/') ? file.startsWith(d) : under(file, d))),
      )
      if (gone) wasted += size
    }
  })
  const sizes = layers.map((l) => formatSize(l.size)).join(' + ')
  const text =
    wasted > 0
      ? `${formatSize(wasted)} written by one of these RUNs and deleted or replaced by a later one stays in the image (layers: ${sizes})`
      : `${layers.length} layers (${sizes}); no file of one is deleted by a later one`
  return { text, bytes: wasted }
}

/** The recent builds of this Dockerfile that ran the step, and what happened to it. */
function rebuildCount(records: readonly BuildRecord[], probe: Extract<CostProbe, { kind: 'step-rebuilds' }>): MeasuredCost | null {
  let ran = 0
  let rebuilt = 0
  let ms = 0
  for (const record of records) {
    const step = stepsFor(toBuildView(record).steps, probe.line, probe.instruction)[0]
    if (!step || (step.status !== 'built' && step.status !== 'cached')) continue
    ran++
    if (step.status === 'built') {
      rebuilt++
      ms += step.durationMs
    }
  }
  if (ran === 0) return null
  const time = ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
  return { text: `the install step (line ${probe.line}) rebuilt in ${rebuilt} of the last ${ran} builds${rebuilt > 0 ? `, ${time} in all` : ''}` }
}

function baseChangeCount(records: readonly BuildRecord[], probe: Extract<CostProbe, { kind: 'base-changes' }>): MeasuredCost | null {
  let builds = 0
  let changed = 0
  let last = ''
  for (const record of records) {
    const steps = toBuildView(record).steps
    const from = stepsFor(steps, probe.line, probe.instruction)[0]
    if (!from) continue
    builds++
    const change = steps.find((s) => s.stage.index === from.stage.index && s.reason?.kind === 'base-changed')
    if (change?.reason?.kind === 'base-changed') {
      changed++
      last ||= `${change.reason.was} → ${change.reason.now}`
    }
  }
  if (builds === 0) return null
  return { text: `the base image changed in ${changed} of the last ${builds} builds${last ? ` (latest: ${last})` : ''}` }
}

export interface LintCostOptions {
  readonly project: string
  /** Relative to `project`. */
  readonly dockerfile: string
  /** A build to measure; default the newest succeeded build of this Dockerfile. */
  readonly buildId?: string
  /** Keep one per engine to skip re-reading layers. */
  readonly cache?: LayerScanCache
}

/**
 * The measured cost of each finding that has a probe, from the project's builds. Findings the
 * builds cannot speak for (no build yet, the line changed since) get none.
 */
export async function measureLintCosts(
  store: Store,
  findings: readonly LintFinding[],
  options: LintCostOptions,
): Promise<{ build?: CostBuild; costs: Map<LintFinding, MeasuredCost> }> {
  const costs = new Map<LintFinding, MeasuredCost>()
  const cache = options.cache ?? new LayerScanCache()
  const probed = findings.filter((f) => f.probe)
  if (probed.length === 0) return { costs }
  const recent = (await listBuilds(store, { project: options.project, limit: RECENT_BUILDS * 4 }))
    .filter((r) => r.status !== 'running' && sameDockerfile(r, options.project, options.dockerfile))
    .slice(0, RECENT_BUILDS)
  const chosen = options.buildId ? await readBuild(store, options.buildId) : recent.find((r) => r.status === 'succeeded')
  const layers = chosen?.status === 'succeeded' ? await buildLayers(store, chosen) : null
  for (const finding of probed) {
    const probe = finding.probe
    let cost: MeasuredCost | null = null
    if (probe?.kind === 'layer-paths' && layers) cost = await layerPathsCost(store, layers, probe, cache)
    else if (probe?.kind === 'run-group' && layers) cost = await runGroupCost(store, layers, probe, cache)
    else if (probe?.kind === 'step-rebuilds') cost = rebuildCount(recent, probe)
    else if (probe?.kind === 'base-changes') cost = baseChangeCount(recent, probe)
    if (cost) costs.set(finding, cost)
  }
  return { ...(chosen ? { build: { id: chosen.id, startedAt: chosen.startedAt } } : {}), costs }
}
