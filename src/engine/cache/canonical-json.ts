// Canonical JSON: the one byte form a cache key is hashed from. Two inputs that mean the same
// must serialise identically whatever order their fields were built in, so object keys are
// sorted; arrays keep their order because order is meaning there (env lists, sources, argv).

/** Thrown for values JSON cannot carry faithfully: a key built from them would be a lie. */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError'
}

/**
 * Sorted object keys (by UTF-16 code units, which is stable and what `Array.prototype.sort` does),
 * no whitespace, arrays in order, strings as `JSON.stringify` writes them. Object members whose
 * value is `undefined` are left out, as JSON.stringify does, so an optional field that is absent
 * and one that is `undefined` give the same key. Throws on non-finite numbers, bigints, functions,
 * symbols, `undefined` in arrays and non-plain objects (Map, Date, class instances).
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$')
}

function write(value: unknown, at: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${at}: ${value} has no JSON form`)
      // -0 and 0 must not give two keys for one meaning.
      return JSON.stringify(value === 0 ? 0 : value)
    case 'object':
      break
    default:
      throw new CanonicalJsonError(`${at}: a ${typeof value} has no JSON form`)
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => {
      if (item === undefined) throw new CanonicalJsonError(`${at}[${i}]: undefined has no JSON form`)
      return write(item, `${at}[${i}]`)
    }).join(',')}]`
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError(`${at}: only plain objects and arrays have a canonical form`)
  }
  const record = value as Record<string, unknown>
  const members = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${write(record[key], `${at}.${key}`)}`)
  return `{${members.join(',')}}`
}
