/**
 * Small run-time checks for arguments that arrive from another process or over a socket. Each
 * one answers "is this value exactly what the contract allows", never coerces.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A string of 1..max characters with no NUL (which no path, name or tag may hold). */
export function isText(value: unknown, max = 4096): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0')
}

/** Only the listed keys, each either absent or accepted by its check. */
export function hasOnlyKeys(value: Record<string, unknown>, checks: Record<string, (v: unknown) => boolean>): boolean {
  for (const key of Object.keys(value)) {
    const check = Object.hasOwn(checks, key) ? checks[key] : undefined
    if (!check) return false
    if (value[key] !== undefined && !check(value[key])) return false
  }
  return true
}

/** All required keys present (not undefined). */
export function hasKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((key) => Object.hasOwn(value, key) && value[key] !== undefined)
}

export function isArrayOf<T>(value: unknown, item: (v: unknown) => v is T, maxLength: number): value is T[] {
  return Array.isArray(value) && value.length <= maxLength && value.every((v) => item(v))
}

/** A plain string → string map with at most `maxEntries` entries. */
export function isStringMap(
  value: unknown,
  options: { maxEntries: number; key: (k: string) => boolean; value: (v: unknown) => boolean },
): value is Record<string, string> {
  if (!isRecord(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return false
  const entries = Object.entries(value)
  return entries.length <= options.maxEntries && entries.every(([k, v]) => options.key(k) && options.value(v))
}
