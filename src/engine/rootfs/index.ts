/** Parent filesystems of build steps: layers extracted once into the store, merged on lookup. */
export { RootfsError, type RootfsEntry, type RootfsEntryType, type RootfsErrorCode, type RootfsView } from './rootfs-types'
export { UnsupportedLayerError, emptyRootfs, openRootfs, type OpenRootfsOptions } from './open-rootfs'
export { cleanContainerPath } from './rootfs-view'
export type { IndexRecord, LayerIndex } from './snapshot-index'
export { clearSnapshotCache, loadSnapshot, snapshotLocation, type LayerRef, type SnapshotLocation, type SnapshotOptions } from './snapshots'
export {
  UserSpecError,
  parseGroup,
  parsePasswd,
  resolveRunUser,
  resolveUserSpec,
  type GroupEntry,
  type PasswdEntry,
  type UserSpecRule,
} from './passwd'
