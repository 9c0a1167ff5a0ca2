// A tiny real image for sandbox tests: the host's static busybox plus passwd/group, written as
// layers into a temp store and opened with openRootfs, so runs exercise the real snapshot format.
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeLayer, type LayerEntry } from '../layers'
import { openRootfs, type LayerRef, type RootfsView } from '../rootfs'
import { openStore, type Store } from '../store'
import { LinuxSandboxExecutor } from './linux-sandbox'

export const BUSYBOX = '/usr/bin/busybox'
export const haveBusybox = existsSync(BUSYBOX) && readFileSync(BUSYBOX).subarray(0, 4).toString('latin1') === '\x7fELF'

const APPLETS = ['sh', 'ls', 'cat', 'echo', 'id', 'rm', 'mkdir', 'touch', 'sleep', 'ps', 'grep', 'env', 'pwd', 'hostname', 'stat', 'wc', 'sort', 'test', 'true', 'false', 'chmod', 'chown', 'ln', 'mount', 'kill', 'readlink', 'head', 'printf']

const T = 1700000000
const dir = (path: string, mode = 0o755, uid = 0, gid = 0): LayerEntry => ({ type: 'dir', path, mode, uid, gid, mtime: T })
const text = (path: string, body: string, mode = 0o644, uid = 0, gid = 0): LayerEntry => ({
  type: 'file',
  path,
  mode,
  uid,
  gid,
  mtime: T,
  size: Buffer.byteLength(body),
  content: { from: 'bytes', bytes: Buffer.from(body) },
})
export const fixture = { dir, text, mtime: T }

/** The base layer: /bin with busybox and applet links, /etc/passwd (root, nobody, user:1000), /etc/group, /tmp, /home/user. */
export function busyboxBaseEntries(): LayerEntry[] {
  return [
    dir('bin'),
    { type: 'file', path: 'bin/busybox', mode: 0o755, uid: 0, gid: 0, mtime: T, size: readFileSync(BUSYBOX).length, content: { from: 'file', path: BUSYBOX } },
    ...APPLETS.map((name): LayerEntry => ({ type: 'symlink', path: `bin/${name}`, linkTarget: 'busybox', mode: 0o777, uid: 0, gid: 0, mtime: T })),
    dir('etc'),
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n'),
    text('etc/group', 'root:x:0:\nwheel:x:10:root,user\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n'),
    text('etc/x', 'delete me\n'),
    dir('home'),
    dir('home/user', 0o750, 1000, 1000),
    dir('root', 0o700),
    dir('tmp', 0o1777),
    dir('d'),
    dir('d/sub'),
    text('d/sub/a', 'a\n'),
  ]
}

export interface TestImage {
  work: string
  store: Store
  put(entries: LayerEntry[]): Promise<LayerRef>
  open(layers: LayerRef[]): Promise<RootfsView>
  dispose(): Promise<void>
}

export async function testImage(prefix = 'layerlab-exec-'): Promise<TestImage> {
  const work = await mkdtemp(join(tmpdir(), prefix))
  const store = await openStore(join(work, 'store'))
  let n = 0
  return {
    work,
    store,
    async put(entries) {
      const path = join(work, `layer-${n++}.tar.gz`)
      const { diffId, digest } = await writeLayer(entries, path)
      await store.putBlobFromStream(createReadStream(path), { digest })
      return { diffId, digest }
    },
    open: (layers) => openRootfs(store, layers),
    dispose: () => rm(work, { recursive: true, force: true }),
  }
}

/** Why the sandbox tests cannot run here (not root, no busybox, the executor's own reason), or undefined. */
export function sandboxSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root'
  if (!haveBusybox) return `needs ${BUSYBOX} (busybox-static)`
  const stateDir = mkdtempSync(join(tmpdir(), 'layerlab-exec-probe-'))
  try {
    return new LinuxSandboxExecutor({ stateDir }).unavailableReason()
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
}
