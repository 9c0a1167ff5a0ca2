/** Image analysis: wasted space, biggest files and duplicates, read by streaming each layer once. */
export { scanLayer, type ScanOptions, type ScanRecord } from './layer-scan'
export { analyzeLayers, analyzeRecords, type AnalysisLayer, type AnalyzeOptions, type LayerAnalysis, type RecordLayer } from './waste'
export { AnalysisError, analyzeStoredImage, storedImageLayers } from './stored-image'
export { recordsFromLayerDiff } from './daemon-records'
export { createImageAnalyzer, type ImageAnalyzer, type ImageAnalyzerOptions } from './analyze-image'
