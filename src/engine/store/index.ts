/** The engine's store: content-addressed blobs in an OCI image layout, tags, cache index, build records. */
export { fsyncDir, writeFileAtomic, writeJsonAtomic } from './atomic-write'
export { BlobStore } from './blob-store'
export type { BlobFile, BlobInfo, ExpectedBlob } from './blob-store'
export { buildRecordPath, deleteBuild, listBuilds, newBuildId, readBuild, writeBuild } from './build-records'
export type { BuildRecord, BuildResult, BuildStatus } from './build-records'
export {
  cacheEntryPath,
  deleteCacheEntry,
  getCacheEntry,
  lastInputs,
  listCacheKeys,
  putCacheEntry,
  readCacheEntry,
  recordInputs,
} from './cache-index'
export type { CacheEntry, CacheEntryInput, CacheLayer, StepInputs } from './cache-index'
export { assertDigest, digestHex, isDigest, sha256Digest } from './digest'
export type { Digest } from './digest'
export {
  familiarName,
  familiarReference,
  formatReference,
  isValidTag,
  parseImageReference,
  parseTagReference,
  repositoryName,
} from './image-refs'
export type { ImageReference } from './image-refs'
export { entryReference, hostArchitecture, listImages, putImage, resolveImage, tagImage, untag } from './images'
export type { ImageSummary, LayerInput, PutImageInput, PutImageResult, ResolvedImage } from './images'
export { readIndex, updateIndex } from './oci-layout'
export { Annotation, MediaType } from './oci-types'
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './oci-types'
export { pruneStore } from './prune'
export type { PruneOptions, PruneResult } from './prune'
export { OCI_LAYOUT, Store, openStore } from './store'
export type { StorePaths } from './store'
export { checkStore } from './store-check'
export type { CheckOptions, CheckReport, StoreProblem, StoreProblemKind } from './store-check'
export { StoreError } from './store-errors'
export type { StoreErrorCode } from './store-errors'
export { defaultStoreDir, resolveStoreDir } from './store-location'
export { withStoreLock } from './store-lock'
export type { LockOwner, StoreLockOptions } from './store-lock'
