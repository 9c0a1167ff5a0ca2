import type { EngineInfo } from '../shared/engine-info'

/**
 * RUN steps need Linux namespaces and overlayfs; elsewhere the Docker backend builds them.
 * This answers for the OS, so the UI can say it before anyone presses Build.
 */
export function runSupport(platform: NodeJS.Platform = process.platform): EngineInfo['run'] {
  if (platform === 'linux') {
    return { supported: true, detail: 'RUN steps run in a Linux sandbox (namespaces and overlayfs)' }
  }
  return {
    supported: false,
    detail: `RUN steps need Linux; on ${platform} build Dockerfiles with RUN through the Docker backend`,
  }
}
