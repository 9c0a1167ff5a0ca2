/** Injected at build time from package.json. */
declare const __LAYERLAB_VERSION__: string
