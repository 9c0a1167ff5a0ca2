/** Variable sources for the shell lexer (BuildKit's `shell.EnvGetter` and `EnvsFromSlice`). */

/** Looks a variable up: its value, or `undefined` when it is not set. */
export type EnvGetter = (name: string) => string | undefined

/**
 * Where variables come from: a getter, a Map, a plain record (own properties only), or a list of
 * `KEY=value` strings like BuildKit's `EnvsFromSlice` (split at the first `=`; an entry without `=`
 * sets the key to ""; a later entry for the same key wins).
 */
export type ShellEnv = EnvGetter | ReadonlyMap<string, string> | readonly string[] | Readonly<Record<string, string>>

/** Variables from `KEY=value` strings, as BuildKit's `EnvsFromSlice` reads them (Unix: case-sensitive). */
export function envFromList(list: readonly string[]): EnvGetter {
  const map = new Map<string, string>()
  for (const entry of list) {
    const eq = entry.indexOf('=')
    if (eq < 0) map.set(entry, '')
    else map.set(entry.slice(0, eq), entry.slice(eq + 1))
  }
  return (name) => map.get(name)
}

/** Any {@link ShellEnv} as a getter. */
export function toEnvGetter(env: ShellEnv): EnvGetter {
  if (typeof env === 'function') return env
  if (Array.isArray(env)) return envFromList(env as readonly string[])
  if (typeof (env as { get?: unknown }).get === 'function') {
    const map = env as ReadonlyMap<string, string>
    return (name) => map.get(name)
  }
  const record = env as Readonly<Record<string, string>>
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined)
}
