// Bundles the `layerlab` command into out/cli (index.js, run by bin/layerlab.js, plus the chunks
// it imports). esbuild rather than the electron-vite pipeline: the CLI is plain Node.
//   node scripts/build-cli.mjs [--outdir DIR (default out/cli, relative to the repository)] [--metafile FILE]
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { splittableSources } from './cli-bundle-plugins.mjs'

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'out/cli' }, metafile: { type: 'string' } } })
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const sourceDir = path.join(repoRoot, 'src') + path.sep
const outdir = path.resolve(repoRoot, values.outdir)

// Chunk names carry content hashes: chunks of an earlier build would pile up.
rmSync(outdir, { recursive: true, force: true })

const result = await build({
  entryPoints: { index: 'src/cli/run.ts' },
  absWorkingDir: repoRoot,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Code splitting: each command is a dynamic import() in the command table (src/cli/index.ts),
  // so a command loads and compiles only its own modules (Node 20 has no compile cache for ES
  // modules: every start compiles what it loads). `layerlab build` does not parse the analysis,
  // the web server or the registry client.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Dependencies are bundled too: loading them from node_modules as CommonJS (resolution, the
  // CJS-to-ESM lexer, one compile per file) cost ~150 ms of every start. dockerode stays outside
  // (loaded lazily, and its ssh2 dependency has optional native parts), as do ws's optional
  // native helpers. CommonJS code in the bundle calls require() for Node built-ins: the banner
  // gives each ESM output file one.
  external: ['dockerode', 'bufferutil', 'utf-8-validate'],
  banner: { js: "import { createRequire as __layerlabCreateRequire } from 'node:module'; const require = __layerlabCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  metafile: values.metafile !== undefined,
  define: { __LAYERLAB_VERSION__: JSON.stringify(version) },
  // Without barrels and import side effects in the way, a command's chunks hold only its modules.
  plugins: [splittableSources(sourceDir)],
  logLevel: 'warning',
})
if (values.metafile !== undefined) writeFileSync(values.metafile, JSON.stringify(result.metafile))
