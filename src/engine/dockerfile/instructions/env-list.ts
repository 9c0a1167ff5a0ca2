// An ordered, immutable set of variables with BuildKit's llb.EnvList semantics: setting a name
// again replaces its value and moves it to the end. Names are case-sensitive (Unix frontend).

export type EnvEntry = readonly [name: string, value: string]

export class EnvList {
  static readonly EMPTY = new EnvList([])

  private constructor(readonly entries: readonly EnvEntry[]) {}

  /** From `KEY=value` strings (image config Env); an entry without `=` has an empty value. */
  static fromStrings(list: readonly string[]): EnvList {
    let env = EnvList.EMPTY
    for (const item of list) {
      const eq = item.indexOf('=')
      env = eq < 0 ? env.set(item, '') : env.set(item.slice(0, eq), item.slice(eq + 1))
    }
    return env
  }

  static fromEntries(entries: Iterable<EnvEntry>): EnvList {
    let env = EnvList.EMPTY
    for (const [name, value] of entries) env = env.set(name, value)
    return env
  }

  /** AddOrReplace. */
  set(name: string, value: string): EnvList {
    return new EnvList([...this.entries.filter(([n]) => n !== name), [name, value]])
  }

  get(name: string): string | undefined {
    return this.entries.find(([n]) => n === name)?.[1]
  }

  has(name: string): boolean {
    return this.entries.some(([n]) => n === name)
  }

  keys(): string[] {
    return this.entries.map(([n]) => n)
  }

  /** `KEY=value` strings, in order. */
  toStrings(): string[] {
    return this.entries.map(([n, v]) => `${n}=${v}`)
  }

  /** A getter for ShellLex. */
  readonly lookup = (name: string): string | undefined => this.get(name)
}

/**
 * dockerfile2llb addEnv, for the image config's Env: an existing name is replaced where it
 * stands, a new one is appended.
 */
export function addImageEnv(env: readonly string[], name: string, value: string): string[] {
  const entry = `${name}=${value}`
  const at = env.findIndex((item) => (item.includes('=') ? item.slice(0, item.indexOf('=')) : item) === name)
  return at < 0 ? [...env, entry] : env.map((item, i) => (i === at ? entry : item))
}
