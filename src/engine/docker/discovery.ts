import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { homedir } from 'node:os'
import path from 'node:path'
import type { DaemonAttempt, DockerStatus } from '../../shared/engine-info'
import { defaultSocketPath, parseDockerHost, type DockerConnection } from './connection'

/** Where a candidate came from, in the order Docker (and the tools around it) looks. */
export type CandidateSource = 'DOCKER_HOST' | 'context' | 'default' | 'rootless' | 'docker-desktop' | 'podman' | 'colima'

export interface DaemonCandidate {
  /** As DOCKER_HOST would name it: unix:///var/run/docker.sock, tcp://host:2375, ... */
  host: string
  source: CandidateSource
  /** Absent when the host cannot be used at all; `problem` then says why. */
  connection?: DockerConnection
  problem?: string
}

export type TriedDaemon = DaemonAttempt

export type DiscoveredStatus = DockerStatus

export interface DiscoveryResult {
  status: DiscoveredStatus
  /** The connection that answered, to hand to dockerClient(). */
  connection?: DockerConnection
  source?: CandidateSource
}

/** What discovery reads from the machine; tests replace any of it. */
export interface DiscoveryOptions {
  /** File text, or undefined when the file does not exist or cannot be read. */
  readFile?: (file: string) => Promise<string | undefined>
  /** The home directory when env.HOME / USERPROFILE are unset. */
  homeDir?: string
  platform?: NodeJS.Platform
  /** Per candidate, for each of /_ping and /version. */
  timeoutMs?: number
  /** Replaces the HTTP probe (tests). */
  probe?: (connection: DockerConnection, timeoutMs: number) => Promise<ProbeAnswer>
}

export type ProbeAnswer =
  | { ok: true; version: string; apiVersion: string; os: string; arch: string }
  | { ok: false; reason: string }

const readText = async (file: string): Promise<string | undefined> => {
  try {
    return await readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

function homeOf(env: NodeJS.ProcessEnv, options: DiscoveryOptions): string {
  return env.HOME || env.USERPROFILE || options.homeDir || homedir()
}

/** `DOCKER_CONFIG`, else `~/.docker`, as the docker CLI resolves its config directory. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG?.trim() || path.join(home, '.docker')
}

/** The directory docker keeps a context's meta.json in: contexts/meta/<sha256(name)>. */
export function contextMetaPath(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json')
}

/**
 * The current context's name: DOCKER_CONTEXT, else config.json's currentContext; undefined for
 * the built-in "default" context (which means DOCKER_HOST or the default socket).
 */
export async function currentContextName(
  env: NodeJS.ProcessEnv,
  configDir: string,
  read: (file: string) => Promise<string | undefined> = readText,
): Promise<string | undefined> {
  let name = env.DOCKER_CONTEXT?.trim()
  if (!name) {
    const text = await read(path.join(configDir, 'config.json'))
    if (text !== undefined) {
      try {
        const value = (JSON.parse(text) as { currentContext?: unknown } | null)?.currentContext
        if (typeof value === 'string') name = value.trim()
      } catch {
        // docker itself refuses a broken config.json; here it just names no context
      }
    }
  }
  return name && name !== 'default' ? name : undefined
}

/** Every place a daemon may be, in the order they are tried; duplicates removed. */
export async function daemonCandidates(env: NodeJS.ProcessEnv = process.env, options: DiscoveryOptions = {}): Promise<DaemonCandidate[]> {
  const read = options.readFile ?? readText
  const platform = options.platform ?? process.platform
  const home = homeOf(env, options)
  const configDir = dockerConfigDir(env, home)
  const out: DaemonCandidate[] = []
  const add = (host: string, source: CandidateSource, tlsVerify?: string): void => {
    if (out.some((c) => c.host === host)) return
    try {
      out.push({ host, source, connection: parseDockerHost(host, tlsVerify) })
    } catch (error) {
      out.push({ host, source, problem: (error as Error).message })
    }
  }
  const socket = (file: string, source: CandidateSource): void => add(`unix://${file}`, source)

  const dockerHost = env.DOCKER_HOST?.trim()
  if (dockerHost) add(dockerHost, 'DOCKER_HOST', env.DOCKER_TLS_VERIFY)

  const context = await currentContextName(env, configDir, read)
  if (context !== undefined) {
    const metaFile = contextMetaPath(configDir, context)
    const text = await read(metaFile)
    const label = `context "${context}"`
    if (text === undefined) out.push({ host: label, source: 'context', problem: `the context has no ${metaFile}` })
    else {
      let host: unknown
      try {
        host = (JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown } } } | null)?.Endpoints?.docker?.Host
      } catch {
        host = undefined
      }
      // TLS material of tcp contexts (contexts/tls/...) is not read yet: such hosts are tried plain.
      if (typeof host === 'string' && host.trim()) add(host.trim(), 'context')
      else out.push({ host: label, source: 'context', problem: `${metaFile} names no Endpoints.docker.Host` })
    }
  }

  if (platform === 'win32') {
    add(`npipe://${defaultSocketPath}`, 'default')
    add('npipe:////./pipe/dockerDesktopLinuxEngine', 'docker-desktop')
    add('npipe:////./pipe/podman-machine-default', 'podman')
    return out
  }
  socket('/var/run/docker.sock', 'default')
  const runtime = env.XDG_RUNTIME_DIR?.trim()
  if (runtime) socket(path.posix.join(runtime, 'docker.sock'), 'rootless')
  socket(path.posix.join(home, '.docker', 'run', 'docker.sock'), 'docker-desktop')
  socket(path.posix.join(home, '.docker', 'desktop', 'docker.sock'), 'docker-desktop')
  if (runtime) socket(path.posix.join(runtime, 'podman', 'podman.sock'), 'podman')
  socket('/run/podman/podman.sock', 'podman')
  socket(path.posix.join(home, '.colima', 'default', 'docker.sock'), 'colima')
  return out
}

/**
 * Tries each candidate in turn and returns the first that answers as a Docker API. Never
 * throws: when none answers, the status says what was tried and why each one did not answer.
 */
export async function discoverDaemon(env: NodeJS.ProcessEnv = process.env, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const timeoutMs = options.timeoutMs ?? 1500
  const probe = options.probe ?? probeDockerApi
  const tried: TriedDaemon[] = []
  for (const candidate of await daemonCandidates(env, options)) {
    if (!candidate.connection) {
      tried.push({ host: candidate.host, reason: candidate.problem ?? 'unusable' })
      continue
    }
    const answer = await probe(candidate.connection, timeoutMs)
    if (answer.ok) {
      const status: DiscoveredStatus = {
        available: true,
        host: candidate.connection.display,
        version: answer.version,
        apiVersion: answer.apiVersion,
        os: answer.os,
        arch: answer.arch,
      }
      if (tried.length > 0) status.tried = tried
      return { status, connection: candidate.connection, source: candidate.source }
    }
    tried.push({ host: candidate.connection.display, reason: answer.reason })
  }
  const first = tried[0]
  const reason = first === undefined ? 'no Docker daemon candidates' : tried.length === 1 ? first.reason : `no Docker daemon answered (tried ${tried.length} places)`
  return { status: { available: false, host: first?.host ?? '', reason, tried } }
}

interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

const MAX_PROBE_BODY = 64 * 1024

function get(connection: DockerConnection, urlPath: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const common = { method: 'GET', path: urlPath, timeout: timeoutMs, headers: { Accept: 'application/json' } }
    const request =
      connection.kind === 'socket'
        ? http.request({ ...common, socketPath: connection.socketPath })
        : (connection.protocol === 'https' ? https : http).request({ ...common, host: connection.host, port: connection.port })
    const timer = setTimeout(() => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs)
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        body += chunk
        if (body.length > MAX_PROBE_BODY) request.destroy(Object.assign(new Error('answer too long'), { code: 'ETOOBIG' }))
      })
      response.on('end', () => {
        clearTimeout(timer)
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body })
      })
      response.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    request.end()
  })
}

/** GET /_ping then /version, classifying every way that can fail. */
export async function probeDockerApi(connection: DockerConnection, timeoutMs: number): Promise<ProbeAnswer> {
  const where = connection.display
  try {
    const ping = await get(connection, '/_ping', timeoutMs)
    if (ping.status !== 200 || ping.body.trim() !== 'OK') {
      return { ok: false, reason: `not a Docker API at ${where}: /_ping answered ${ping.status} ${JSON.stringify(ping.body.slice(0, 60))}` }
    }
    const answer = await get(connection, '/version', timeoutMs)
    let version: { Version?: unknown; ApiVersion?: unknown; Os?: unknown; Arch?: unknown } | undefined
    try {
      version = answer.status === 200 ? (JSON.parse(answer.body) as typeof version) : undefined
    } catch {
      version = undefined
    }
    if (!version || typeof version.Version !== 'string' || typeof version.ApiVersion !== 'string') {
      return { ok: false, reason: `not a Docker API at ${where}: /version answered ${answer.status} without Version and ApiVersion` }
    }
    return {
      ok: true,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: typeof version.Os === 'string' ? version.Os : '',
      arch: typeof version.Arch === 'string' ? version.Arch : '',
    }
  } catch (error) {
    return { ok: false, reason: describeProbeError(error, where) }
  }
}

export function describeProbeError(error: unknown, where: string): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return `no socket at ${where}`
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${where}: add your user to the docker group or use rootless Docker`
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return `connection refused at ${where}: nothing is listening`
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return `timeout: ${where} did not answer in time`
    case 'ECONNRESET':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_VERSION':
    case 'ETOOBIG':
      return `not a Docker API at ${where}: ${(error as Error).message}`
    default:
      return `${where} did not answer: ${(error as Error).message ?? String(error)}`
  }
}
