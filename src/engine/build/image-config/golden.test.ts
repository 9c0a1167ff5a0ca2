// Golden configs and histories: each testdata/<name>.Dockerfile is parsed, expanded and run
// through the config builder with fixed times and made-up diffIDs; the exported blob must match
// <name>.config.json byte for byte and the history <name>.history.txt (newest first, like
// `docker history`: created_by|comment|empty_layer). UPDATE_GOLDEN=1 rewrites the files.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandStages, parseDockerfile, parseStages } from '../../dockerfile'
import type { BuildOptions } from '../../dockerfile'
import type { ImageConfig } from '../../store'
import { countLayerEntries, finalizeConfig, imageConfigJson, stageConfigs } from '.'
import type { HistoryEntry } from '.'

const dir = join(import.meta.dirname, 'testdata')
const read = (name: string) => readFileSync(join(dir, name), 'utf8')
const bases: Record<string, ImageConfig> = {
  'docker.io/library/busybox:latest': JSON.parse(read('busybox.config.json')) as ImageConfig,
  'busybox:latest': JSON.parse(read('busybox.config.json')) as ImageConfig,
  'onbuild-base': JSON.parse(read('onbuild-base.config.json')) as ImageConfig,
}

const options: Record<string, BuildOptions> = {
  args: { buildArgs: { over: 'fromcli', HTTP_PROXY: 'http://proxy', https_proxy: 'http://hidden', late: 'x' } },
  windows: { targetPlatform: { os: 'windows', arch: 'amd64', variant: '' } },
}

const diffId = (i: number) => `sha256:${(i + 1).toString(16).padStart(64, '0')}`

function historyLines(history: readonly HistoryEntry[]): string {
  return [...history]
    .reverse()
    .map((h) => `${h.created_by ?? ''}|${h.comment ?? ''}|${h.empty_layer === true}\n`)
    .join('')
}

function build(name: string) {
  const stages = parseStages(parseDockerfile(read(`${name}.Dockerfile`)), options[name])
  const expanded = expandStages(stages, { imageEnv: (ref) => (bases[ref]?.config as { Env?: string[] } | undefined)?.Env })
  const configs = stageConfigs(expanded, { baseConfig: (ref) => bases[ref], escapeToken: stages.escapeToken })
  const target = configs[configs.length - 1]
  if (target === undefined) throw new Error('no stage')
  const added = countLayerEntries(target.config.history) - target.config.rootfs.diff_ids.length
  // Every other layer is a cache hit from an earlier time, to show per-layer dating.
  const layerCreated = Array.from({ length: added }, (_, i) => (i % 2 === 1 ? '2025-12-31T23:59:59.5Z' : undefined))
  const layers = Array.from({ length: added }, (_, i) => diffId(i))
  return finalizeConfig(target.config, { layers, created: '2026-01-01T00:00:00Z', layerCreated })
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.Dockerfile'))
  .map((f) => f.slice(0, -'.Dockerfile'.length))

describe('golden image configs', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(5))
  it.each(cases)('%s', (name) => {
    const image = build(name)
    const json = imageConfigJson(image) + '\n'
    const history = historyLines(image.history)
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(join(dir, `${name}.config.json`), json)
      writeFileSync(join(dir, `${name}.history.txt`), history)
    }
    expect(json).toBe(read(`${name}.config.json`))
    expect(history).toBe(read(`${name}.history.txt`))
    // The blob parses back to the object it was written from (Go's nil slices aside).
    const parsed = JSON.parse(json) as { created: unknown; history: unknown; rootfs: { diff_ids: unknown } }
    expect(parsed.created).toBe(image.created ?? null)
    expect(parsed.history ?? []).toEqual(image.history)
    expect(parsed.rootfs.diff_ids ?? []).toEqual(image.rootfs.diff_ids)
    expect(JSON.parse(json)).toMatchObject(JSON.parse(JSON.stringify({ ...image, history: parsed.history, rootfs: parsed.rootfs })) as object)
  })
})
