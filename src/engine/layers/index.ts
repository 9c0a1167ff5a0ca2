/** Layer tarballs: deterministic writing with digests, safe reading and extraction, file trees and diffs. */
export type { ByteSource } from './byte-reader'
export type { FileContent, LayerEntry, LayerEntryType } from './layer-entry'
export { clampMtime } from './layer-entry'
export { LayerPathError, cleanLayerPath, compareLayerPaths } from './layer-paths'
export { TarHeaderError, type EntryType, type TarHeader } from './tar-header'
export { LayerEntryError, encodeTar, prepareLayerEntries, writeTar, type PrepareOptions, type PreparedEntry } from './tar-writer'
export {
  TarFormatError,
  decompressedLayer,
  readLayer,
  readTar,
  sniffCompression,
  type LayerCompression,
  type ReadTarOptions,
  type TarEntry,
  type TarEntryHeader,
} from './tar-reader'
export {
  OPAQUE_MARKER,
  WHITEOUT_PREFIX,
  classifyWhiteout,
  opaqueMarkerPath,
  whiteoutEntries,
  whiteoutPath,
  type WhiteoutMeaning,
} from './whiteouts'
export { SnapshotError, directoryEntries, type DirectoryEntriesOptions, type XattrReader } from './directory-entries'
export { changeEntries, type ChangeEntriesOptions, type LayerChange } from './layer-changes'
export {
  EMPTY_LAYER_DIFF_ID,
  LAYER_MEDIA_TYPE,
  digestLayerBlob,
  writeLayer,
  writeLayerFromChanges,
  writeLayerFromDirectory,
  type LayerDigests,
  type WriteLayerOptions,
} from './layer-digests'
export { ExtractError, extractLayer, makeNodeWithCommands, type ExtractOptions, type ExtractResult, type MakeNode, type NodeKind } from './safe-extract'
export { UnsafePathError, resolveDirInRoot, type ResolveOptions, type SymlinkedParents } from './safe-path'
export type { ChangeKind, DirectoryRollup, FileNodeType, FileTreeEntry, FileTreeNode, LayerChangeEntry, LayerDiff } from './file-tree-model'
export { layerRecords, type LayerRecord } from './file-tree'
export { createLayerStack, diffLayerStack, type LayerSource, type LayerStack } from './layer-diff'
export { LayerFileCache } from './layer-file-cache'
