// Public API of the build context: .dockerignore, the context walk, COPY/ADD source selection
// and BuildKit-style content digests with a stat cache.

export { BuildContext, openBuildContext } from './build-context'
export type { CopySourcesDigest, OpenContextOptions } from './build-context'

export { DockerignoreError, loadDockerignore, parseDockerignore } from './dockerignore'
export type { DockerignoreFile, LoadDockerignoreOptions } from './dockerignore'

export { EMPTY_MATCH_INFO, Pattern, PatternMatcher, PatternSyntaxError } from './pattern-matcher'
export type { MatchInfo } from './pattern-matcher'
export { GoBadPatternError, containsWildcards, goMatch } from './go-match'

export { ContextWalkError, symlinkTargetInContext, walkContext } from './context-walk'
export type { ContextEntry, EntryType, WalkOptions } from './context-walk'
export { ContextTree, TooManyLinksError } from './context-tree'

export { normalizeCopySource, selectCopySources } from './copy-sources'
export type { CopiedEntry, CopySelection, CopySourceItem, CopySourceOptions, NormalizedSource } from './copy-sources'
export { CopySourceError } from './errors'
export type { CopySourceErrorCode } from './errors'

export { ContentDigester } from './content-digest'
export type { DigestCounters, DigesterOptions } from './content-digest'
export { pathDigest, selectionDigest, selectorDigest } from './selection-digest'
export type { Selector } from './selection-digest'
export { EMPTY_DIGEST, headerDigest, tarsumHeader } from './tarsum-header'
export type { Ownership } from './tarsum-header'

export { StatCache } from './stat-cache'
export { createStreamHasher, nodeFileReader } from './file-hasher'
export type { FileHasher, FileReader, HashRequest, HashResult, ReadableFile, StreamHasherOptions } from './file-hasher'
export { createWorkerHasher } from './worker-hasher'
export type { WorkerHasherOptions } from './worker-hasher'

// Known differences from BuildKit, all deliberate or unavoidable in Node:
// - Extended attributes are not read (Node has no xattr API), so they never enter digests;
//   BuildKit hashes user.* xattrs and security.capability.
// - Hard links are keyed by device and inode (fsutil uses the inode alone).
// - File names that are not valid UTF-8 are seen through Node's lossy decoding.
// - Digest bytes are not meant to equal BuildKit's cache keys; what enters them (and what does
//   not: mtime, ignored files, the context root's own metadata) follows contenthash.
