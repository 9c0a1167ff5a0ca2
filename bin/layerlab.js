#!/usr/bin/env node
// Runs the bundled CLI. `npm install` builds it (the "prepare" script); say so if it is missing
// instead of failing with a module-not-found trace.
import { existsSync } from 'node:fs'

const bundle = new URL('../out/cli/index.js', import.meta.url)
if (!existsSync(bundle)) {
  console.error('layerlab: the CLI is not built yet: run "npm install" or "npm run build" in the Layerlab repository')
  process.exit(1)
}
await import(bundle.href)
