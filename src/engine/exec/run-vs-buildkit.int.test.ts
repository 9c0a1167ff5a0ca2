// Ground truth from the test engine's BuildKit: each RUN layer of a `docker build` must have the
// same entries as the layer our sandbox produces for the same command on the same parent layers
// (BuildKit's own layers, loaded into our store), once runtime mount-point artefacts are set aside.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceOrSkip } from '../../../scripts/require-service'
import { extractLayer, readLayer } from '../layers'
import { openRootfs, type LayerRef, type RootfsView } from '../rootfs'
import { openStore, type Store } from '../store'
import { sandboxSkipReason } from './busybox-rootfs.test-support'
import { LinuxSandboxExecutor, setAsideRuntimeArtefacts, upperDirToLayer, type LowerProbe } from '.'

const host = serviceOrSkip('docker')
const run = promisify(execFile)
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(dockerBin, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 << 20 })
  return stdout
}

const BASE = process.env.LAYERLAB_TEST_BUSYBOX ?? 'busybox:latest'
/** Each RUN with the USER it runs as. */
const STEPS: { user: string; command: string }[] = [
  { user: '', command: 'mkdir -p /x/y && echo hi > /x/y/f && rm /etc/group' },
  { user: '', command: 'rm -rf /home && mkdir -p /home/new && touch /home/new/file && ln -s /x/y/f /link && chmod 700 /x && chown 1000:1000 /x/y/f' },
  // BuildKit refuses a non-root USER once /etc/group is gone ("unable to find groups for spec user"): give it one back.
  { user: '', command: 'echo "user:x:1000:" > /etc/group' },
  { user: '1000', command: 'touch /tmp/by-user && mkdir /tmp/d && echo $HOME > /tmp/home && id > /tmp/id' },
  { user: '', command: 'rm -rf /x/y && mkdir /x/y && env | sort > /env.txt && id > /id.txt && hostname > /hostname.txt && cat /etc/hosts > /hosts.txt' },
  { user: '', command: 'true' },
]
const DOCKERFILE = [`FROM ${BASE}`, ...STEPS.flatMap((s, i) => [...(s.user !== (STEPS[i - 1]?.user ?? '') ? [`USER ${s.user || 'root'}`] : []), `RUN ${s.command}`])]

let work = ''
let store: Store
const layers: LayerRef[] = []
let env: string[] = []
beforeAll(async () => {
  if (!host) return
  work = mkdtempSync(join(tmpdir(), 'layerlab-int-exec-'))
  store = await openStore(join(work, 'store'))
  const ctx = mkdtempSync(join(work, 'ctx-'))
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE.join('\n'))
  const tag = 'layerlab-test/exec:run'
  await docker('build', '--network=none', '-q', '-t', tag, ctx)
  const archive = join(work, 'image.tar')
  await docker('save', '-o', archive, tag)
  const dir = mkdtempSync(`${archive}.d-`)
  await extractLayer([readFileSync(archive)], dir)
  const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[]
  if (!manifest) throw new Error('empty manifest.json')
  const config = JSON.parse(readFileSync(join(dir, manifest.Config), 'utf8')) as { rootfs: { diff_ids: string[] }; config: { Env?: string[] } }
  env = config.config.Env ?? []
  for (const [i, layer] of manifest.Layers.entries()) {
    const { digest } = await store.putBlobFromStream(createReadStream(join(dir, layer)))
    layers.push({ diffId: config.rootfs.diff_ids[i] ?? '', digest })
  }
}, 300_000)
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** name → "type mode uid:gid size link sha" (whiteouts by name only: their metadata is the writer's). */
async function describeLayer(source: string | Buffer, lower: LowerProbe): Promise<string[]> {
  const entries: { type: string; path: string; size: number; mode: number; uid: number; gid: number; text: string }[] = []
  for await (const { header, body } of readLayer([typeof source === 'string' ? readFileSync(source) : source])) {
    const hash = createHash('sha256')
    for await (const chunk of body) hash.update(chunk)
    const path = header.name.replace(/^\.?\//, '').replace(/\/$/, '')
    const base = path.slice(path.lastIndexOf('/') + 1)
    const text = base.startsWith('.wh.')
      ? `${path} whiteout`
      : `${path} ${header.type} ${header.mode.toString(8)} ${header.uid}:${header.gid} ${header.size} ${header.linkname ?? ''} ${header.type === 'file' ? hash.digest('hex').slice(0, 12) : ''}`
    entries.push({ type: base.startsWith('.wh.') ? 'whiteout' : header.type, path, size: header.size, mode: header.mode, uid: header.uid, gid: header.gid, text })
  }
  return (await setAsideRuntimeArtefacts(entries, lower)).map((e) => e.text).sort()
}

const viewProbe =
  (view: RootfsView): LowerProbe =>
  async (path) => {
    const entry = await view.lookup(`/${path}`)
    return entry && { type: entry.type === 'dir' ? 'dir' : entry.type === 'file' ? 'file' : 'other', mode: entry.mode, uid: entry.uid, gid: entry.gid }
  }

describe('RUN layers against BuildKit', () => {
  const skip = !host ? 'needs the docker test service' : sandboxSkipReason()

  it.skipIf(skip)('produces the same entries as BuildKit for each RUN, on the same parent', async () => {
    const baseCount = layers.length - STEPS.length
    const sandbox = LinuxSandboxExecutor.forStore(store)
    for (const [i, step] of STEPS.entries()) {
      const parent = await openRootfs(store, layers.slice(0, baseCount + i))
      let log = ''
      const result = await sandbox.run(
        { args: ['/bin/sh', '-c', step.command], env, cwd: '/', user: step.user, network: 'none', rootfs: parent, inlineFiles: [] },
        (_stream, chunk) => (log += chunk),
        new AbortController().signal,
      )
      try {
        expect({ step: i, exitCode: result.exitCode, log }).toEqual({ step: i, exitCode: 0, log: '' })
        const ours = join(work, `ours-${i}.tar`)
        await upperDirToLayer(result.upperDir, ours, { lowerDir: result.lowerDir, compression: 'none' })
        const theirs = await store.openBlob(layers[baseCount + i]?.digest ?? '')
        const chunks: Buffer[] = []
        for await (const chunk of theirs) chunks.push(chunk as Buffer)
        const probe = viewProbe(parent)
        expect({ step: i, entries: await describeLayer(ours, probe) }).toEqual({ step: i, entries: await describeLayer(Buffer.concat(chunks), probe) })
      } finally {
        await result.dispose()
      }
    }
  })
})
