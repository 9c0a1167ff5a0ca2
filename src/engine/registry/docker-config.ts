/**
 * Credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`), first a per-registry `credHelpers` entry, then the global
 * `credsStore`, then the base64 `auth` in `auths`. Helpers are the `docker-credential-<name>`
 * programs Docker Desktop and the pass/secretservice stores install.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { RegistryError } from './registry-errors'

export interface RegistryCredentials {
  username?: string
  password?: string
  /** An OAuth refresh token (`docker login` to Hub stores one); exchanged at the token realm. */
  identityToken?: string
  /** A bearer token to send as it is. */
  registryToken?: string
}

export interface DockerConfigOptions {
  /** The directory holding config.json (default: $DOCKER_CONFIG, else ~/.docker). */
  configDir?: string
  /** Environment for the lookup and the helpers (PATH finds them). Default: process.env. */
  env?: NodeJS.ProcessEnv
}

interface AuthEntry {
  auth?: unknown
  username?: unknown
  password?: unknown
  identitytoken?: unknown
  registrytoken?: unknown
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>
  credsStore?: unknown
  credHelpers?: Record<string, unknown>
}

/** The key Docker files Hub's credentials under, for historical reasons. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
const HELPER_TIMEOUT_MS = 30_000

export async function dockerCredentials(domain: string, options: DockerConfigOptions = {}): Promise<RegistryCredentials | undefined> {
  const env = options.env ?? process.env
  const dir = options.configDir ?? env.DOCKER_CONFIG ?? path.join(homedir(), '.docker')
  const config = await readConfig(path.join(dir, 'config.json'))
  if (config === undefined) return undefined
  const hub = domain === 'docker.io' || domain === 'index.docker.io'
  const serverKey = hub ? DOCKER_HUB_KEY : domain

  const helper = config.credHelpers?.[domain] ?? config.credsStore
  if (typeof helper === 'string' && helper !== '') {
    const found = await fromHelper(helper, serverKey, env)
    // A helper that is not installed (a config copied from Docker Desktop) falls through to
    // `auths` instead of failing every pull, public images included.
    if (found !== 'missing') return found
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = hostnameOfKey(key)
    if (host === domain || (hub && (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io'))) {
      const credentials = fromEntry(entry)
      if (credentials) return credentials
    }
  }
  return undefined
}

/** Docker's ConvertToHostname: `https://host:5000/v1/` → `host:5000`. */
function hostnameOfKey(key: string): string {
  const bare = key.replace(/^https?:\/\//, '')
  const slash = bare.indexOf('/')
  return slash === -1 ? bare : bare.slice(0, slash)
}

async function readConfig(file: string): Promise<DockerConfigFile | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as DockerConfigFile) : undefined
  } catch {
    // The docker CLI warns and carries on without credentials; so do we (anonymous pulls still work).
    return undefined
  }
}

function fromEntry(entry: AuthEntry): RegistryCredentials | undefined {
  const credentials: RegistryCredentials = {}
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      credentials.username = decoded.slice(0, colon)
      credentials.password = decoded.slice(colon + 1)
    }
  } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    credentials.username = entry.username
    credentials.password = entry.password
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') credentials.identityToken = entry.identitytoken
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '') credentials.registryToken = entry.registrytoken
  return Object.keys(credentials).length > 0 ? credentials : undefined
}

/**
 * `docker-credential-<helper> get`, the server on stdin, `{"Username","Secret"}` on stdout.
 * A `<token>` username marks the secret as an identity token. "Not found" is no credentials.
 */
async function fromHelper(helper: string, serverKey: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined | 'missing'> {
  // The name becomes part of a program name: nothing that could climb out of $PATH.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) throw new RegistryError('credentials', `invalid credential helper name ${JSON.stringify(helper)} in the docker config`)
  const program = `docker-credential-${helper}`
  const result = await runHelper(program, serverKey, env)
  if (result === 'missing') return 'missing'
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined
    const why = (result.stderr || result.stdout).trim() || (result.signal ? `killed by ${result.signal} (it has ${HELPER_TIMEOUT_MS / 1000} s)` : `exit status ${result.code}`)
    throw new RegistryError('credentials', `${program} get failed for ${serverKey}: ${why}`)
  }
  let parsed: { Username?: unknown; Secret?: unknown }
  try {
    parsed = JSON.parse(result.stdout) as { Username?: unknown; Secret?: unknown }
  } catch {
    throw new RegistryError('credentials', `${program} get printed something that is not JSON`)
  }
  if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return undefined
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret }
  return { username: typeof parsed.Username === 'string' ? parsed.Username : '', password: parsed.Secret }
}

interface HelperResult {
  code: number
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function runHelper(program: string, input: string, env: NodeJS.ProcessEnv): Promise<HelperResult | 'missing'> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: HELPER_TIMEOUT_MS })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? resolve('missing') : reject(new RegistryError('credentials', `cannot run ${program}: ${error.message}`, { cause: error })),
    )
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr }))
    // A helper that exits without reading stdin makes this write fail with EPIPE: its answer counts, not ours.
    child.stdin.on('error', () => undefined)
    child.stdin.end(input)
  })
}
