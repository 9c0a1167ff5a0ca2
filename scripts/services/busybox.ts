// Seeds both services with a tiny busybox image built from the host's static busybox, so tests
// have a base image without ever reaching the internet.
import { createReadStream } from 'node:fs'
import { chmod, chown, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type Docker from 'dockerode'
import { run, type Log } from './proc.js'

export const BUSYBOX_IMAGE = 'busybox:latest'
export const REGISTRY_BUSYBOX_PATH = 'library/busybox:latest'

// Everything a registry may answer for a single-platform image or an index.
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ')

const USER_UID = 1000

export interface SeedOptions {
  workDir: string
  busyboxBin: string
  skopeoBin: string
  docker: Docker
  dockerHost: string
  registry: string
  log: Log
}

export async function seedBusybox(o: SeedOptions): Promise<void> {
  const rootfs = join(o.workDir, 'busybox-rootfs')
  const tarball = join(o.workDir, 'busybox-rootfs.tar')
  await buildRootfs(rootfs, o.busyboxBin)
  // --numeric-owner: the host's names for uid 1000 etc. are irrelevant inside the image.
  await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.'])

  o.log(`importing ${BUSYBOX_IMAGE} into the engine`)
  const progress = await o.docker.importImage(createReadStream(tarball), {
    repo: 'busybox',
    tag: 'latest',
    // The upstream image sets PATH too; without it BuildKit and `docker run` fall back to their own
    // defaults, which differ subtly, so set it to keep behaviour identical to docker.io/busybox.
    changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  })
  await drainJsonProgress(progress, `importing ${BUSYBOX_IMAGE}`)
  await o.docker.getImage(BUSYBOX_IMAGE).inspect()

  const target = `${o.registry}/${REGISTRY_BUSYBOX_PATH}`
  o.log(`pushing ${BUSYBOX_IMAGE} to ${target}`)
  await run(o.skopeoBin, [
    // Hermetic: no host /etc/containers/policy.json (which may be missing or stricter) decides this.
    '--insecure-policy',
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    '--src-daemon-host',
    o.dockerHost,
    `docker-daemon:${BUSYBOX_IMAGE}`,
    `docker://${target}`,
  ])

  const [repo, tag] = REGISTRY_BUSYBOX_PATH.split(':') as [string, string]
  const url = `http://${o.registry}/v2/${repo}/manifests/${tag}`
  const res = await fetch(url, { headers: { Accept: MANIFEST_ACCEPT } })
  await res.body?.cancel()
  if (res.status !== 200) throw new Error(`pushed ${target} but GET ${url} answered ${res.status}`)
}

async function buildRootfs(root: string, busyboxBin: string): Promise<void> {
  for (const dir of ['bin', 'etc', 'root', 'home/user', 'tmp', 'var/tmp', 'usr/bin']) {
    await mkdir(join(root, dir), { recursive: true })
  }
  await copyFile(busyboxBin, join(root, 'bin/busybox'))
  await chmod(join(root, 'bin/busybox'), 0o755)

  const applets = (await run(busyboxBin, ['--list']))
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^[\w.[-]+$/.test(s) && s !== 'busybox')
  if (!applets.includes('sh')) throw new Error(`${busyboxBin} --list has no "sh" applet; is it a real busybox?`)
  for (const applet of applets) await symlink('busybox', join(root, 'bin', applet))
  // `#!/usr/bin/env sh` is the one path outside /bin that scripts routinely hard-code.
  await symlink('../../bin/busybox', join(root, 'usr/bin/env'))

  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\n' +
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' +
      `user:x:${USER_UID}:${USER_UID}:user:/home/user:/bin/sh\n`,
  )
  await writeFile(join(root, 'etc/group'), `root:x:0:\nnobody:x:65534:\nuser:x:${USER_UID}:\n`)
  await chmod(join(root, 'root'), 0o700)
  await chown(join(root, 'home/user'), USER_UID, USER_UID)
  // mkdir honours the umask, so the sticky world-writable modes have to be set explicitly
  await chmod(join(root, 'tmp'), 0o1777)
  await chmod(join(root, 'var/tmp'), 0o1777)
}

/**
 * Reads a Docker JSON-lines progress stream to the end. The engine reports failures inside the
 * stream with HTTP 200, so an `error` entry has to be turned into a rejection here.
 */
export function drainJsonProgress(stream: NodeJS.ReadableStream, what: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const events: unknown[] = []
    let buf = ''
    let failed = false
    const handle = (line: string): void => {
      if (!line.trim() || failed) return
      let event: { error?: string; errorDetail?: { message?: string } }
      try {
        event = JSON.parse(line) as typeof event
      } catch {
        failed = true
        reject(new Error(`${what}: unexpected output from the engine: ${line.slice(0, 200)}`))
        return
      }
      events.push(event)
      if (event.error !== undefined || event.errorDetail !== undefined) {
        failed = true
        reject(new Error(`${what}: ${event.errorDetail?.message ?? event.error}`))
      }
    }
    stream.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
      }
    })
    stream.on('error', (err: Error) => {
      if (!failed) reject(new Error(`${what}: ${err.message}`))
      failed = true
    })
    stream.on('end', () => {
      handle(buf)
      if (!failed) resolve(events)
    })
  })
}
