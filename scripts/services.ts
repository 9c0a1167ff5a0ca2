// Real services for integration and e2e tests: a private Docker engine, a private registry, and a
// busybox image seeded into both. Nothing here touches the host's own Docker or the internet.
// Run them around a command with scripts/with-services.ts.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BUSYBOX_IMAGE, REGISTRY_BUSYBOX_PATH, seedBusybox } from './services/busybox.js'
import { killRunningContainers, startDockerd, type Dockerd } from './services/dockerd.js'
import { ensureTools } from './services/prereqs.js'
import { killProcessesUnder, unmountUnder, type Log } from './services/proc.js'
import { startRegistry, type Registry } from './services/registry.js'

export interface TestServices {
  /** e.g. unix:///tmp/layerlab-svc-XXXX/docker.sock */
  dockerHost: string
  /** host:port of a plain-HTTP registry, e.g. 127.0.0.1:41234 */
  registry: string
  /** tag of the seeded image in the engine: 'busybox:latest' */
  busyboxImage: string
  /** the same image in the registry: `${registry}/library/busybox:latest` */
  registryBusybox: string
  /** the temp dir holding data, sockets and logs (dockerd.log, registry.log) */
  workDir: string
  /** Stops everything and removes workDir. Safe to call more than once. */
  stop(): Promise<void>
}

const DOCKERD_GRACE_MS = 20_000
const REGISTRY_GRACE_MS = 5_000

export async function startServices(opts: { log?: Log } = {}): Promise<TestServices> {
  const log = opts.log ?? ((): void => undefined)
  const started = performance.now()
  const tools = await ensureTools(log)
  const workDir = await mkdtemp(join(tmpdir(), 'layerlab-svc-'))

  let dockerd: Dockerd | undefined
  let registry: Registry | undefined
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= shutdown(workDir, dockerd, registry, log)
    return stopping
  }

  try {
    // Independent of each other, so start both at once; seeding needs both. allSettled rather than
    // all: if one fails, the other must still be known to stop() so it gets a graceful shutdown.
    const [d, r] = await Promise.allSettled([
      startDockerd(workDir, tools.dockerd, log),
      startRegistry(workDir, tools.registry, log),
    ])
    if (d.status === 'fulfilled') dockerd = d.value
    if (r.status === 'fulfilled') registry = r.value
    if (d.status === 'rejected') throw d.reason
    if (r.status === 'rejected') throw r.reason
    if (!dockerd || !registry) throw new Error('unreachable: both services settled as fulfilled')
    log(`engine and registry up after ${seconds(started)}`)
    await seedBusybox({
      workDir,
      busyboxBin: tools.busybox,
      skopeoBin: tools.skopeo,
      docker: dockerd.docker,
      dockerHost: dockerd.host,
      registry: registry.address,
      log,
    })
  } catch (err) {
    // A service that died half-way is still found by path in shutdown(), so nothing outlives a failed start.
    await stop().catch((e: Error) => log(`clean-up after failed start: ${e.message}`))
    throw err
  }
  log(`services ready in ${seconds(started)} (${workDir})`)

  return {
    dockerHost: dockerd.host,
    registry: registry.address,
    busyboxImage: BUSYBOX_IMAGE,
    registryBusybox: `${registry.address}/${REGISTRY_BUSYBOX_PATH}`,
    workDir,
    stop,
  }
}

/**
 * The environment that hands the services to tests and to the app under test.
 *
 * The engine has no bridge network (it must not touch the host's networking), so containers and
 * BuildKit RUN steps need `--network=none` (NetworkMode 'none'); BuildKit fails RUN with
 * "network bridge not found" otherwise. `docker run` without a network still works (loopback only).
 * The registry is plain HTTP: clients must treat it as insecure (skopeo --tls-verify=false).
 */
export function servicesEnv(s: TestServices): Record<string, string> {
  return {
    LAYERLAB_TEST_DOCKER_HOST: s.dockerHost,
    DOCKER_HOST: s.dockerHost,
    LAYERLAB_TEST_REGISTRY: s.registry,
    LAYERLAB_TEST_BUSYBOX: s.busyboxImage,
    LAYERLAB_TEST_REGISTRY_BUSYBOX: s.registryBusybox,
  }
}

async function shutdown(workDir: string, dockerd: Dockerd | undefined, registry: Registry | undefined, log: Log): Promise<void> {
  const started = performance.now()
  if (dockerd && !dockerd.daemon.hasExited()) {
    const leaked = await killRunningContainers(dockerd.docker).catch((err: Error) => {
      log(`could not list containers before stopping dockerd: ${err.message}`)
      return []
    })
    if (leaked.length > 0) log(`killed ${leaked.length} container(s) left running: ${leaked.join(', ')}`)
  }
  await Promise.all([registry?.daemon.stop(REGISTRY_GRACE_MS), dockerd?.daemon.stop(DOCKERD_GRACE_MS)])
  const dirs = [workDir, ...(dockerd?.extraDirs ?? [])]
  // A clean dockerd exit takes containerd and the shims with it; anything still running from our
  // dirs means it crashed or was killed, and would keep mounts busy.
  const stray = await killProcessesUnder(dirs)
  if (stray.length > 0) log(`killed leftover processes ${stray.join(', ')}`)
  for (const dir of dirs) {
    const mounts = await unmountUnder(dir)
    if (mounts.length > 0) log(`unmounted ${mounts.length} leftover mount(s) under ${dir}`)
    await rm(dir, { recursive: true, force: true, maxRetries: 3 })
  }
  log(`services stopped in ${seconds(started)}`)
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`
}
