import type { ImageSelector } from '../shared/layers-api'
import { UsageError } from './usage-error'

/** skopeo's name for the local daemon's images, so `docker-daemon:busybox:1.36` reads as it does there. */
export const DAEMON_PREFIX = 'docker-daemon:'

export const imageOperandHelp = `a build id (from the store's build history), an image in the store (app:1,
sha256:…), or docker-daemon:REF for an image of the local Docker daemon (skopeo's spelling)`

// Build ids look like 20261127T074539282Z-oamzrocj; anything else is an image name.
const BUILD_ID = /^\d{8}T\d{6,}Z-[a-z2-7]+$/

/** What an image operand on the command line names. */
export function parseImageOperand(word: string): ImageSelector {
  if (word.startsWith(DAEMON_PREFIX)) {
    const ref = word.slice(DAEMON_PREFIX.length)
    if (ref === '') throw new UsageError(`${DAEMON_PREFIX} needs an image reference, like ${DAEMON_PREFIX}busybox:1.36`)
    return { daemonImage: ref }
  }
  return BUILD_ID.test(word) ? { buildId: word } : { image: word }
}

/** How an operand is shown back to the user. */
export function describeImageOperand(selector: ImageSelector): string {
  if ('daemonImage' in selector) return `${DAEMON_PREFIX}${selector.daemonImage}`
  return 'buildId' in selector ? selector.buildId : selector.image
}
