// esbuild plugins that let the CLI bundle split per command (see build-cli.mjs).
//
// esbuild splits code per file: a file goes into the chunk shared by every entry point that
// reaches it. Layerlab's modules reach each other through index.ts barrels (the CLI through
// src/engine/index.ts alone), and a barrel reached by every command would pull the whole engine
// into one chunk that every command loads. So, for the bundle only:
// * imports of a name through a barrel are pointed at the module that defines it (through as
//   many barrels as there are), the same binding without the detour;
// * Layerlab's own modules are declared free of import side effects (no module is imported for
//   its side effects), so a module none of a command's code uses is left out of its chunks.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'\s*;?/gm
const REEXPORT = /^export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'\s*;?/gm

/** `./x` from `dir`, extensionless as the sources write it, to a file; undefined when not a source file. */
function resolveSource(dir, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined
  const base = path.resolve(dir, spec)
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

/** `a, type B, c as d` to [{ imported, local, type }]. */
function specifiers(list) {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const type = s.startsWith('type ')
      const [imported, local = imported] = (type ? s.slice(5) : s).split(/\s+as\s+/).map((x) => x.trim())
      return { imported, local, type }
    })
}

const reexportCache = new Map()
/** The names `file` re-exports from other modules: exported name to { file, name } there. */
function reexports(file) {
  let map = reexportCache.get(file)
  if (map === undefined) {
    map = new Map()
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(REEXPORT)) {
      if (m[1]) continue
      const target = resolveSource(path.dirname(file), m[3])
      if (target === undefined) continue
      for (const s of specifiers(m[2])) if (!s.type) map.set(s.local, { file: target, name: s.imported })
    }
    reexportCache.set(file, map)
  }
  return map
}

/** Where `name` exported by `file` is defined, following re-exports. */
function definition(file, name, depth = 0) {
  const next = reexports(file).get(name)
  if (next === undefined || depth > 20) return { file, name }
  return definition(next.file, next.name, depth + 1)
}

function rewriteImports(file, text) {
  const dir = path.dirname(file)
  return text.replace(IMPORT, (statement, typeOnly, list, spec) => {
    if (typeOnly || list.includes('/')) return statement
    const target = resolveSource(dir, spec)
    if (target === undefined || reexports(target).size === 0) return statement
    const byFile = new Map()
    for (const s of specifiers(list)) {
      if (s.type) continue
      const where = definition(target, s.imported)
      const key = where.file === target ? spec : where.file
      if (!byFile.has(key)) byFile.set(key, [])
      byFile.get(key).push(where.name === s.local ? s.local : `${where.name} as ${s.local}`)
    }
    // Kept on one line: line numbers (and so stack traces and source maps) stay as they were.
    return [...byFile].map(([from, names]) => `import { ${names.join(', ')} } from ${JSON.stringify(from)};`).join(' ')
  })
}

/** Both rewrites, for the `.ts` sources under `sourceDir` (absolute, ending in a separator). */
export function splittableSources(sourceDir) {
  const resolving = Symbol('layerlab-resolving')
  return {
    name: 'layerlab-splittable-sources',
    setup(b) {
      b.onLoad({ filter: /\.tsx?$/ }, (args) => {
        if (!args.path.startsWith(sourceDir)) return undefined
        const text = readFileSync(args.path, 'utf8')
        return { contents: rewriteImports(args.path, text), loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' }
      })
      b.onResolve({ filter: /^(\.\.?\/|\/)/ }, async (args) => {
        if (args.pluginData === resolving) return undefined
        const { importer, namespace, resolveDir, kind, with: attributes } = args
        const resolved = await b.resolve(args.path, { importer, namespace, resolveDir, kind, with: attributes, pluginData: resolving })
        if (resolved.errors.length > 0 || resolved.external || !resolved.path.startsWith(sourceDir)) return undefined
        return { path: resolved.path, namespace: resolved.namespace, sideEffects: false }
      })
    },
  }
}
