/** Injected at build time from package.json (vite `define`, esbuild `define`, vitest `define`). */
declare const __LAYERLAB_VERSION__: string
