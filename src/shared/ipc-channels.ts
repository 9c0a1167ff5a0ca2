import type { RequestName } from './contract'

/** Electron channel names, derived from request names so main and preload cannot disagree. */
export const ipcRequestChannel = (name: RequestName): string => `layerlab:request:${name}`
export const ipcEventChannel = 'layerlab:events'
