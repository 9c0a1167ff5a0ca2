// Bundles the `layerlab` command into out/cli/index.js. esbuild rather than the electron-vite
// pipeline: the CLI is plain Node, and a single pre-bundled file keeps its start-up short.
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: { index: 'src/cli/run.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  define: { __LAYERLAB_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
})
