import { StoreError } from './store-errors'

/**
 * A normalized image reference, as Docker's distribution/reference package reads one:
 * `app` → domain `docker.io`, path `library/app`, tag `latest`.
 */
export interface ImageReference {
  /** Registry host and optional port: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string
  /** Repository within the registry: `library/app`, `x/y`. */
  path: string
  tag?: string
  /** Kept as written; only sha256 digests can name anything in the store. */
  digest?: string
}

const DEFAULT_DOMAIN = 'docker.io'
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io'
const OFFICIAL_REPO_PREFIX = 'library/'
const DEFAULT_TAG = 'latest'
const MAX_PATH_LENGTH = 255
// No valid reference comes near this; the limit keeps the regular expressions' work bounded.
const MAX_INPUT_LENGTH = 1024

// The grammar of distribution/reference regexp.go, piece by piece.
const alphanumeric = '[a-z0-9]+'
const separator = '(?:[._]|__|[-]+)'
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const optionalPort = '(?::[0-9]+)?'
const tag = '[\\w][\\w.-]{0,127}'
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}'
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]'
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`
const domainAndPort = `(?:${domainName}|${ipv6address})${optionalPort}`
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`
const remoteName = `${pathComponent}(?:/${pathComponent})*`
const name = `(?:${domainAndPort}/)?${remoteName}`

const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`)
const ANCHORED_NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`)
const TAG = new RegExp(`^${tag}$`)
const IDENTIFIER = /^[a-f0-9]{64}$/
const DIGEST_ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 }

/**
 * Parses and normalizes like `docker` does (ParseNormalizedNamed, then TagNameOnly unless
 * `defaultTag` is false): `app` → `docker.io/library/app:latest`,
 * `localhost:5000/x/y:1` stays, `name@sha256:…` keeps its digest and gets no tag.
 * Invalid input fails with `invalid-reference` and Docker's own reason.
 */
export function parseImageReference(input: string, options: { defaultTag?: boolean } = {}): ImageReference {
  if (input.length > MAX_INPUT_LENGTH) fail(input, `reference is longer than ${MAX_INPUT_LENGTH} characters`)
  if (IDENTIFIER.test(input)) fail(input, `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`)
  const [domain, remainder] = splitDockerDomain(input)
  const tagAt = remainder.indexOf(':')
  const remote = tagAt > -1 ? remainder.slice(0, tagAt) : remainder
  if (remote.toLowerCase() !== remote) fail(input, `invalid reference format: repository name (${remote}) must be lowercase`)

  const ref = parseReference(input, `${domain}/${remainder}`)
  if (options.defaultTag !== false && ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG
  return ref
}

/** A reference that can name a tag: it has a tag (perhaps `latest` by default) and no digest. */
export function parseTagReference(input: string): ImageReference & { tag: string } {
  const ref = parseImageReference(input)
  if (ref.digest !== undefined) fail(input, 'refusing to create a tag with a digest reference')
  return ref as ImageReference & { tag: string }
}

/** `docker.io/library/app` */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`
}

/** The full normalized form: `docker.io/library/app:latest`, `example.com/x@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`
}

/** What `docker images` shows: Docker Hub's domain and the `library/` of official images dropped. */
export function familiarReference(ref: ImageReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`
}

export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref)
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length)
    if (!rest.includes('/')) return rest
  }
  return ref.path
}

export function isValidTag(value: string): boolean {
  return TAG.test(value)
}

/** The first path element is a registry only if it looks like a host; otherwise Docker Hub. */
function splitDockerDomain(input: string): [string, string] {
  const slash = input.indexOf('/')
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + input]
  const maybeDomain = input.slice(0, slash)
  let remainder = input.slice(slash + 1)
  let domain: string
  if (maybeDomain === 'localhost' || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    domain = maybeDomain === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : maybeDomain
  } else {
    domain = DEFAULT_DOMAIN
    remainder = input
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder
  return [domain, remainder]
}

function parseReference(input: string, text: string): ImageReference {
  const match = REFERENCE.exec(text)
  if (!match) {
    const lower = text.toLowerCase()
    if (lower !== text && REFERENCE.test(lower)) fail(input, 'invalid reference format: repository name must be lowercase')
    fail(input, 'invalid reference format')
  }
  const nameMatch = ANCHORED_NAME.exec(match[1] ?? '')
  const domain = nameMatch?.[1] ?? ''
  const path = nameMatch?.[2] ?? match[1] ?? ''
  if (path.length > MAX_PATH_LENGTH) fail(input, `repository name must not be more than ${MAX_PATH_LENGTH} characters`)
  const ref: ImageReference = { domain, path }
  if (match[2] !== undefined) ref.tag = match[2]
  if (match[3] !== undefined) ref.digest = validateDigest(input, match[3])
  return ref
}

/** go-digest's Validate: a registered algorithm with the right number of lowercase hex digits. */
function validateDigest(input: string, value: string): string {
  const colon = value.indexOf(':')
  const algorithm = value.slice(0, colon)
  const encoded = value.slice(colon + 1)
  const length = DIGEST_ALGORITHMS[algorithm]
  if (length === undefined) fail(input, 'unsupported digest algorithm')
  if (encoded.length !== length) fail(input, 'invalid checksum digest length')
  if (!/^[a-f0-9]+$/.test(encoded)) fail(input, 'invalid checksum digest format')
  return value
}

function fail(input: string, reason: string): never {
  const shown = input.length > 120 ? `${input.slice(0, 120)}…` : input
  throw new StoreError('invalid-reference', `invalid image reference "${shown}": ${reason}`)
}
