import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { homedir } from 'node:os'
import path from 'node:path'
import type { DaemonAttempt, DockerStatus } from '../../shared/engine-info'
import { dockerClient } from './daemon-status'
import { readTlsFiles } from './client-options'
import { DockerHostError, defaultSocketPath, parseDockerHost, tlsFromEnv, type DockerConnection, type TlsFiles } from './connection'

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
  probe?: (connection: DockerConnection, timeoutMs: number, env: NodeJS.ProcessEnv) => Promise<ProbeAnswer>
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

/** Where docker keeps a context's TLS files for its docker endpoint: contexts/tls/<sha256(name)>/docker. */
export function contextTlsDir(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'tls', createHash('sha256').update(name).digest('hex'), 'docker')
}

/** The context's ca/cert/key.pem that exist; undefined when it has none and does not skip verification. */
async function contextTls(configDir: string, name: string, skipVerify: boolean, read: (file: string) => Promise<string | undefined>): Promise<TlsFiles | undefined> {
  const dir = contextTlsDir(configDir, name)
  const tls: TlsFiles = { verify: !skipVerify }
  for (const part of ['ca', 'cert', 'key'] as const) {
    const file = path.join(dir, `${part}.pem`)
    if ((await read(file)) !== undefined) tls[part] = file
  }
  return tls.ca || tls.cert || tls.key || skipVerify ? tls : undefined
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

/**
 * Every place a daemon may be, in the order they are tried; duplicates removed. The docker CLI
 * uses exactly one endpoint, chosen as DOCKER_HOST > DOCKER_CONTEXT > config.json's
 * currentContext > the default socket; Layerlab follows it wherever one is named, so a machine
 * with /var/run/docker.sock never answers for a DOCKER_HOST that points elsewhere. Only when
 * nothing names an endpoint (or a stale currentContext cannot be read) does it also look in the
 * sockets rootless Docker, Docker Desktop, Podman and colima use.
 */
export async function daemonCandidates(env: NodeJS.ProcessEnv = process.env, options: DiscoveryOptions = {}): Promise<DaemonCandidate[]> {
  const read = options.readFile ?? readText
  const platform = options.platform ?? process.platform
  const home = homeOf(env, options)
  const configDir = dockerConfigDir(env, home)
  const out: DaemonCandidate[] = []
  const add = (host: string, source: CandidateSource, tls?: TlsFiles): void => {
    if (out.some((c) => c.host === host)) return
    try {
      out.push({ host, source, connection: parseDockerHost(host, tls) })
    } catch (error) {
      out.push({ host, source, problem: (error as Error).message })
    }
  }
  const socket = (file: string, source: CandidateSource): void => add(`unix://${file}`, source)

  const dockerHost = env.DOCKER_HOST?.trim()
  if (dockerHost) {
    add(dockerHost, 'DOCKER_HOST', tlsFromEnv(env, configDir))
    return out
  }

  const context = await currentContextName(env, configDir, read)
  if (context !== undefined) {
    const metaFile = contextMetaPath(configDir, context)
    const text = await read(metaFile)
    const label = `context "${context}"`
    let endpoint: { Host?: unknown; SkipTLSVerify?: unknown } | undefined
    try {
      endpoint = text === undefined ? undefined : (JSON.parse(text) as { Endpoints?: { docker?: typeof endpoint } } | null)?.Endpoints?.docker
    } catch {
      endpoint = undefined
    }
    const host = endpoint?.Host
    if (typeof host === 'string' && host.trim()) {
      add(host.trim(), 'context', await contextTls(configDir, context, endpoint?.SkipTLSVerify === true, read))
      return out
    }
    out.push({ host: label, source: 'context', problem: text === undefined ? `the context has no ${metaFile}` : `${metaFile} names no Endpoints.docker.Host` })
    // docker refuses to run with a DOCKER_CONTEXT it cannot read; so does Layerlab. A context
    // without a host means the default socket to docker, and a stale config.json entry (left by
    // an uninstalled Docker Desktop, say) should not hide the daemons that do answer.
    if (env.DOCKER_CONTEXT?.trim() && text === undefined) return out
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
  const candidates = await daemonCandidates(env, options)
  for (const candidate of candidates) {
    if (!candidate.connection) {
      tried.push({ host: candidate.host, reason: candidate.problem ?? 'unusable' })
      continue
    }
    const answer = await probe(candidate.connection, timeoutMs, env)
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
  const reason = first === undefined ? 'no Docker daemon candidates' : tried.length === 1 ? `${first.reason}${chosenBy(candidates[0])}` : `no Docker daemon answered (tried ${tried.length} places)`
  return { status: { available: false, host: first?.host ?? '', reason, tried } }
}

/** Why a lone candidate was the only place looked at: it was named, as docker would use it. */
function chosenBy(candidate: DaemonCandidate | undefined): string {
  if (candidate?.source === 'DOCKER_HOST') return ' (DOCKER_HOST is set, so, as with the docker CLI, nowhere else is tried)'
  if (candidate?.source === 'context') return ' (the current docker context names it, so, as with the docker CLI, nowhere else is tried)'
  return ''
}

interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

const MAX_PROBE_BODY = 64 * 1024

type TcpOrSocket = Exclude<DockerConnection, { kind: 'ssh' }>

function getText(connection: TcpOrSocket, urlPath: string, timeoutMs: number, tls: https.RequestOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const common = { method: 'GET', path: urlPath, timeout: timeoutMs, headers: { Accept: 'application/json' } }
    const request =
      connection.kind === 'socket'
        ? http.request({ ...common, socketPath: connection.socketPath })
        : connection.protocol === 'https'
          ? https.request({ ...common, ...tls, host: connection.host, port: connection.port })
          : http.request({ ...common, host: connection.host, port: connection.port })
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
export async function probeDockerApi(connection: DockerConnection, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<ProbeAnswer> {
  const where = connection.display
  if (connection.kind === 'ssh') return probeOverSsh(connection, timeoutMs, env)
  try {
    const tls = connection.kind === 'tcp' && connection.tls ? await readTlsFiles(connection.tls) : {}
    const get = (urlPath: string): Promise<HttpAnswer> => getText(connection, urlPath, timeoutMs, tls)
    const ping = await get('/_ping')
    if (ping.status !== 200 || ping.body.trim() !== 'OK') {
      return { ok: false, reason: `not a Docker API at ${where}: /_ping answered ${ping.status} ${JSON.stringify(ping.body.slice(0, 60))}` }
    }
    const answer = await get('/version')
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

/** ssh:// goes through dockerode's ssh2 transport (`docker system dial-stdio` on the remote). */
async function probeOverSsh(connection: Extract<DockerConnection, { kind: 'ssh' }>, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<ProbeAnswer> {
  let timer: NodeJS.Timeout | undefined
  try {
    const client = await dockerClient(connection, timeoutMs, env)
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs * 2)
    })
    // The ssh handshake is bounded by timeoutMs; the request after it by this.
    const version = await Promise.race([client.version(), late])
    return { ok: true, version: version.Version, apiVersion: version.ApiVersion, os: version.Os ?? '', arch: version.Arch ?? '' }
  } catch (error) {
    if (error instanceof DockerHostError) return { ok: false, reason: error.message }
    return { ok: false, reason: describeProbeError(error, connection.display) }
  } finally {
    clearTimeout(timer)
  }
}

const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

export function describeProbeError(error: unknown, where: string): string {
  if (error instanceof DockerHostError) return error.message
  const code = (error as NodeJS.ErrnoException).code
  if (code && certificateCodes.has(code)) {
    return `TLS: the certificate of ${where} was not accepted (${(error as Error).message}); its CA belongs in DOCKER_CERT_PATH/ca.pem or the context's TLS files`
  }
  const message = ((error as Error).message ?? String(error)).split('\n')[0]?.trim() ?? ''
  if (/All configured authentication methods failed/.test(message)) {
    return `${where} refused the ssh login: the ssh-agent's keys and ~/.ssh/id_* were not accepted (Layerlab does not read ~/.ssh/config)`
  }
  if (/alert certificate required/.test(message)) {
    return `TLS: ${where} wants a client certificate and none was given (DOCKER_CERT_PATH/cert.pem and key.pem, or the context's TLS files)`
  }
  if (code?.startsWith('ERR_SSL') || /alert (bad certificate|unknown ca|handshake failure)/.test(message)) {
    return `TLS: ${where} refused the connection (${message}); it may need a client certificate its CA signed (DOCKER_CERT_PATH/cert.pem and key.pem)`
  }
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
