import { createHash } from 'node:crypto'
import { StoreError } from './store-errors'

/** A sha256 content digest as OCI writes it: `sha256:` and 64 lowercase hex digits. */
export type Digest = `sha256:${string}`

const DIGEST = /^sha256:[0-9a-f]{64}$/
const HEX = /^[0-9a-f]{64}$/

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST.test(value)
}

/**
 * Every path built from a digest goes through here first. Only the canonical form is accepted
 * (no uppercase, no other algorithm, no other length), so `sha256:../../x` never becomes a path
 * and one blob never has two names.
 */
export function assertDigest(value: unknown, what = 'digest'): Digest {
  if (isDigest(value)) return value
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value) : String(value)
  throw new StoreError('invalid-digest', `invalid ${what} ${shown}: expected "sha256:" followed by 64 lowercase hex digits`)
}

/** The 64 hex digits of a digest: the file name of its blob. */
export function digestHex(digest: unknown): string {
  return assertDigest(digest).slice('sha256:'.length)
}

export function digestFromHex(hex: string): Digest {
  if (!HEX.test(hex)) throw new StoreError('invalid-digest', `invalid sha256 hex "${hex}"`)
  return `sha256:${hex}`
}

export function isSha256Hex(name: string): boolean {
  return HEX.test(name)
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}
