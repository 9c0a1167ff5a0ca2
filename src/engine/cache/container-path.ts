// Paths inside the image and the build context, normalised the way BuildKit's dockerfile2llb
// does before they reach an op (system.NormalizePath, path.Join): spellings that mean the same
// path must give the same key, or `COPY dir/ /x` and `COPY dir /x` would miss each other.

/** Go path.Clean for a rooted path: `.`/`..`/duplicate slashes removed, `..` stops at `/`. */
export function cleanRooted(p: string): string {
  const out: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return '/' + out.join('/')
}

/** A relative path joined to `base` (itself rooted or not), an absolute one cleaned on its own. */
export function resolveIn(base: string, p: string): string {
  return p.startsWith('/') ? cleanRooted(p) : cleanRooted(`${base}/${p}`)
}

/**
 * A COPY/ADD destination: relative to WORKDIR, with the trailing `/` kept because it means
 * "copy into" (dispatchCopy's pathRelativeToWorkingDir with keepSlash). `.`, `` and `x/.` also
 * name a directory.
 */
export function resolveDest(workdir: string, dest: string): string {
  const resolved = resolveIn(workdir, dest)
  const intoDir = dest === '' || dest === '.' || dest.endsWith('/') || dest.endsWith('/.')
  return intoDir && resolved !== '/' ? resolved + '/' : resolved
}

/** URLs and git remotes are fetched, not looked up in a filesystem: they are keyed as written. */
export function isRemoteSource(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('git@')
}

/**
 * A COPY/ADD source selector: absolute and clean inside the context (or the `--from` stage), so
 * `../x`, `/x`, `x/` and `x/.` are one selector, as BuildKit's NormalizePath makes them.
 * Heredoc pseudo-sources (`<<EOF`) and remote sources stay as written.
 */
export function cleanSelector(source: string): string {
  if (source.startsWith('<<') || isRemoteSource(source)) return source
  return cleanRooted(source)
}
