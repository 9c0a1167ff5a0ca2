// A private Docker engine: its own data root, exec root and socket inside the services temp dir,
// so tests never see (or disturb) the host's Docker.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Docker from 'dockerode'
import { logTail, spawnDaemon, type Daemon, type Log } from './proc.js'

export interface Dockerd {
  daemon: Daemon
  socketPath: string
  host: string
  docker: Docker
  /** Directories outside workDir that we created and must remove (see shortRoot). */
  extraDirs: string[]
}

// sun_path holds 108 bytes. containerd's deepest socket is <exec-root>/containerd/containerd.sock.ttrpc
// (+31), and dockerd puts plugin sockets under the exec root as well, so keep it well short of that.
const MAX_EXEC_ROOT = 64
const READY_TIMEOUT_MS = 60_000

export async function startDockerd(workDir: string, dockerdBin: string, log: Log): Promise<Dockerd> {
  const extraDirs: string[] = []
  let shortRoot = workDir
  if (join(workDir, 'e').length > MAX_EXEC_ROOT) {
    // A long TMPDIR would make the sockets unbindable; fall back to a short directory in /tmp.
    shortRoot = await mkdtemp('/tmp/ll-')
    extraDirs.push(shortRoot)
  }
  const dataRoot = join(workDir, 'docker-data')
  const execRoot = join(shortRoot, 'e')
  const socketPath = join(shortRoot, 'docker.sock')
  const configFile = join(workDir, 'daemon.json')
  const logFile = join(workDir, 'dockerd.log')
  await mkdir(dataRoot, { recursive: true })
  await mkdir(execRoot, { recursive: true })
  // Our own config file, so a host /etc/docker/daemon.json cannot inject settings or clash with the
  // flags below ("directives specified both as a flag and in the configuration file"). The key path
  // is only settable here; by default dockerd 20.10 writes its identity key to /etc/docker/key.json.
  await writeFile(configFile, JSON.stringify({ 'deprecated-key-path': join(workDir, 'key.json') }, null, 2) + '\n')

  // dockerd 20.10 starts a private containerd under the exec root when --containerd is not given,
  // which is what we want, but it adopts a *system* containerd instead if /run/containerd/containerd.sock
  // exists. The private namespaces keep our containers apart from a host Docker ("moby") in that case.
  const ns = `layerlab-${randomBytes(4).toString('hex')}`
  const args = [
    `--config-file=${configFile}`,
    '--storage-driver=overlay2',
    // No bridge and no iptables: the engine must not touch the host's network configuration.
    '--iptables=false',
    '--bridge=none',
    `--data-root=${dataRoot}`,
    `--exec-root=${execRoot}`,
    `--host=unix://${socketPath}`,
    `--pidfile=${join(workDir, 'docker.pid')}`,
    `--containerd-namespace=${ns}`,
    `--containerd-plugins-namespace=${ns}-plugins`,
  ]
  log(`starting dockerd (log: ${logFile})`)
  const daemon = await spawnDaemon('dockerd', dockerdBin, args, logFile)
  const docker = new Docker({ socketPath })
  try {
    await waitUntilAnswering(daemon, docker, socketPath)
  } catch (err) {
    // The caller never learns about this daemon or the short dir, so they are cleaned up here.
    await daemon.stop(10_000)
    for (const dir of extraDirs) await rm(dir, { recursive: true, force: true })
    throw err
  }
  return { daemon, socketPath, host: `unix://${socketPath}`, docker, extraDirs }
}

async function waitUntilAnswering(daemon: Daemon, docker: Docker, socketPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (daemon.hasExited()) {
      throw new Error(`dockerd stopped during start-up (${await daemon.exited}). Last lines of ${daemon.logFile}:\n${await logTail(daemon.logFile)}`)
    }
    const ok = await docker.ping().then(
      () => true,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) {
      throw new Error(
        `dockerd did not answer on ${socketPath} within ${READY_TIMEOUT_MS / 1000} s. Last lines of ${daemon.logFile}:\n${await logTail(daemon.logFile)}`,
      )
    }
    await sleep(100)
  }
}

/**
 * Kills the containers a test left running. dockerd would stop them itself on SIGTERM, but it waits
 * for each one's stop timeout (10 s by default; --shutdown-timeout can only lengthen that), and a
 * shell or sleep as PID 1 ignores SIGTERM, so every leaked container would cost 10 s of stop().
 */
export async function killRunningContainers(docker: Docker): Promise<string[]> {
  const running = await docker.listContainers()
  await Promise.all(
    running.map((c) =>
      docker
        .getContainer(c.Id)
        .kill()
        // it may have exited between list and kill
        .catch(() => undefined),
    ),
  )
  return running.map((c) => `${c.Id.slice(0, 12)} (${c.Image}: ${c.Command})`)
}
