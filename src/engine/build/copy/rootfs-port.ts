// The parent filesystem as this module sees it (src/engine/rootfs), in one place.
import { emptyRootfs } from '../../rootfs'
import type { RootfsView } from '../../rootfs'

export { resolveUserSpec, UserSpecError } from '../../rootfs'
export type { RootfsEntry, RootfsView } from '../../rootfs'

/** The empty filesystem COPY --link copies onto: the layer cannot depend on the parent. */
export function emptyView(): RootfsView {
  return emptyRootfs()
}
