// The size and cache lint on real Layerlab builds: busybox from the test registry, RUN steps in
// the Linux sandbox. The images have no apt or pip, so stand-ins COPYed into the image write what
// the real tools leave behind (package lists, a wheel cache); the rules fire on the Dockerfile
// text, and the costs must equal the bytes those RUNs really put in their layers.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFinished } from '../api.test-support'
import { serviceOrSkip } from '../../../scripts/require-service'
import type { BuildEvent } from '../../shared/build-events'
import type { EditorDiagnostic } from '../../shared/editor-api'
import { createEngineApi, type EngineApi } from '../api'
import { applyTextEdits } from '../dockerfile/lint/apply-edits'

const registry = serviceOrSkip('registry')

// `apt-get update` writes three list files of known sizes, as the real one fills /var/lib/apt/lists.
const fakeAptGet = `#!/bin/sh
case " $* " in
  *" update "*)
    mkdir -p /var/lib/apt/lists/partial
    head -c 300000 /dev/zero > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages
    head -c 120000 /dev/zero > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease
    head -c 4000 /dev/zero > /var/lib/apt/lists/lock ;;
  *" install "*)
    for p in "$@"; do case "$p" in -*|install) ;; *) mkdir -p /usr/share/doc/$p && echo "$p" > /usr/share/doc/$p/copyright ;; esac; done ;;
esac
`
// `pip install` leaves a downloaded wheel in the HTTP cache, as pip does without --no-cache-dir.
const fakePip = `#!/bin/sh
mkdir -p /root/.cache/pip/http-v2/a/b /app/site-packages
head -c 250000 /dev/zero > /root/.cache/pip/http-v2/a/b/wheel.body
cat /src/requirements.txt > /app/site-packages/installed.txt
`

const dockerfile = (base: string) => `FROM ${base}
COPY tools/apt-get tools/pip /usr/local/bin/
RUN apt-get update && apt-get install -y curl
RUN head -c 100000 /dev/zero > /scratch.bin
RUN rm /scratch.bin && echo done > /done.txt
COPY . /src
RUN pip install -r /src/requirements.txt
`

let root: string
let project: string
let api: EngineApi
const events: BuildEvent[] = []

beforeAll(async () => {
  if (!registry) return
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-lint-cost-'))
  project = path.join(root, 'project')
  await mkdir(path.join(project, 'tools'), { recursive: true })
  await writeFile(path.join(project, 'tools', 'apt-get'), fakeAptGet)
  await writeFile(path.join(project, 'tools', 'pip'), fakePip)
  await chmod(path.join(project, 'tools', 'apt-get'), 0o755)
  await chmod(path.join(project, 'tools', 'pip'), 0o755)
  await writeFile(path.join(project, 'requirements.txt'), 'flask==3.0\n')
  await writeFile(path.join(project, 'Dockerfile'), dockerfile(`${registry}/library/busybox`))
  api = createEngineApi({ storeDir: path.join(root, 'store'), env: { ...process.env, DOCKER_HOST: `unix://${path.join(root, 'none.sock')}` }, dockerPollMs: 3_600_000 })
  api.subscribe((e) => {
    if (e.event === 'buildEvent') events.push(e.payload)
  })
})

afterAll(async () => {
  if (!registry) return
  await api.close()
  await rm(root, { recursive: true, force: true })
})

async function build(): Promise<string> {
  const { buildId } = await api.handlers.startBuild({ dir: project })
  const done = await buildFinished(events, buildId, 120_000)
  const failed = events.find((e) => e.type === 'step-finished' && e.buildId === buildId && e.error)
  expect(done.status, JSON.stringify(failed)).toBe('succeeded')
  return buildId
}

async function check(): Promise<{ diagnostics: EditorDiagnostic[]; costBuild?: { id: string } }> {
  const text = dockerfile(`${registry}/library/busybox`)
  return api.handlers.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile' })
}

const byRule = (found: EditorDiagnostic[], rule: string) => found.filter((d) => d.rule === rule)

/** Bytes of regular files under `dir` in a layer, as the layers view lists them. */
async function layerBytes(buildId: string, line: number, dir: string): Promise<number> {
  const view = await api.handlers.imageLayers({ buildId })
  const layer = view.layers.find((l) => l.step?.line === line)
  if (!layer) throw new Error(`no layer for line ${line}`)
  const tree = await api.handlers.layerFileTree({ buildId, layer: layer.index })
  return tree.entries.filter((e) => e.type === 'file' && e.path.replace(/^\//, '').startsWith(`${dir}/`)).reduce((sum, e) => sum + e.size, 0)
}

describe.skipIf(!registry)('lint costs from a real build', () => {
  it('has findings but no costs before the first build', async () => {
    const { diagnostics, costBuild } = await check()
    expect(costBuild).toBeUndefined()
    expect(byRule(diagnostics, 'apt-lists-left')).toHaveLength(1)
    expect(byRule(diagnostics, 'apt-lists-left')[0]?.cost).toBeUndefined()
    expect(byRule(diagnostics, 'base-unpinned')[0]?.range.start).toEqual({ line: 1, column: 6 })
  })

  it('measures the lists, the pip cache and the bytes a later RUN deleted in the real layers', async () => {
    const buildId = await build()
    const { diagnostics, costBuild } = await check()
    expect(costBuild?.id).toBe(buildId)

    const lists = byRule(diagnostics, 'apt-lists-left')[0]
    expect(lists?.range).toEqual({ start: { line: 3, column: 23 }, end: { line: 3, column: 38 } })
    expect(lists?.cost?.bytes).toBe(300000 + 120000 + 4000)
    expect(lists?.cost?.bytes).toBe(await layerBytes(buildId, 3, 'var/lib/apt/lists'))
    expect(lists?.cost?.text).toMatch(/^\/var\/lib\/apt\/lists: 424kB in 3 files, in layer \d+ of \d+$/)
    expect(lists?.cost?.buildId).toBe(buildId)

    const pip = byRule(diagnostics, 'pip-no-cache-dir')[0]
    expect(pip?.range.start).toEqual({ line: 7, column: 5 })
    expect(pip?.cost?.bytes).toBe(250000)
    expect(pip?.cost?.bytes).toBe(await layerBytes(buildId, 7, 'root/.cache/pip'))

    const group = byRule(diagnostics, 'consecutive-runs')[0]
    expect(group?.message).toContain('lines 3, 4, 5')
    expect(group?.cost?.bytes).toBe(100000)
    expect(group?.cost?.text).toContain('100kB written by one of these RUNs and deleted or replaced by a later one')

    // No byte cost, but a count from the builds: the first build ran the install.
    const copy = byRule(diagnostics, 'copy-all-before-deps')[0]
    expect(copy?.range).toEqual({ start: { line: 6, column: 6 }, end: { line: 6, column: 7 } })
    expect(copy?.cost?.text).toMatch(/^the install step \(line 7\) rebuilt in 1 of the last 1 builds, [\d.]+ (s|ms) in all$/)
  })

  it('counts how often COPY . made the dependency install rebuild', async () => {
    await build() // nothing changed: all cached
    await writeFile(path.join(project, 'notes.md'), `a file the install does not read ${Date.now()}\n`)
    await build() // COPY . sees the new file, so pip install runs again
    const copy = byRule((await check()).diagnostics, 'copy-all-before-deps')[0]
    expect(copy?.cost?.text).toMatch(/^the install step \(line 7\) rebuilt in 2 of the last 3 builds, [\d.]+ (s|ms) in all$/)
  })

  it('applies the apt fix and the lists leave the layer in the next build', async () => {
    const before = byRule((await check()).diagnostics, 'apt-lists-left')[0]
    const fix = before?.fixes?.[0]
    expect(fix?.title).toBe('Append && rm -rf /var/lib/apt/lists/*')
    const text = applyTextEdits(dockerfile(`${registry}/library/busybox`), fix?.edits ?? [])
    expect(text.split('\n')[2]).toBe('RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*')
    await writeFile(path.join(project, 'Dockerfile'), text)
    const buildId = await build()
    expect(await layerBytes(buildId, 3, 'var/lib/apt/lists')).toBe(0)
    const after = await api.handlers.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile' })
    expect(byRule(after.diagnostics, 'apt-lists-left')).toEqual([])
  })
})
