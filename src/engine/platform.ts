import type { EngineInfo } from '../shared/engine-info'

/**
 * RUN steps need Linux namespaces and overlayfs; elsewhere the Docker backend builds them. The
 * UI shows this before anyone presses Build; `unavailable` is the executor's own finding.
 */
export function runSupport(platform: NodeJS.Platform = process.platform, unavailable?: string): EngineInfo['run'] {
  if (platform === 'linux') {
    // The executor's own check (tools present, an overlay mounts) decides, not the OS alone.
    if (unavailable) return { supported: false, detail: unavailable }
    return { supported: true, detail: 'RUN steps run in a Linux sandbox (bubblewrap, namespaces and overlayfs)' }
  }
  return {
    supported: false,
    detail: `RUN steps need Linux; on ${platform} build Dockerfiles with RUN through the Docker backend`,
  }
}
