/** Images out of and into the store: docker save/load archives, OCI layouts, history. */
export { saveDockerArchive, type SaveOptions, type SaveResult, type SavedImage } from './docker-archive-writer'
export { ImageIoError, type ImageIoErrorCode } from './errors'
export { formatHistoryTable, type HistoryTableOptions } from './history-table'
export { imageHistory, type HistoryRow } from './image-history'
export type { LoadedImage } from './image-writer'
export { cachedLayerSizes, layerSizes, type TarMeasure } from './layer-sizes'
export { loadImages, type LoadOptions, type LoadResult } from './load-images'
export { exportOciLayout, type ExportOciOptions, type ExportOciResult } from './oci-export'
