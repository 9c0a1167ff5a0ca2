/** RUN executors: the Linux sandbox, and an honest "unsupported" elsewhere. */
import type { Store } from '../store'
import { noRunExecutor, type Executor } from './executor'
import { LinuxSandboxExecutor } from './linux-sandbox'

export { SandboxError, noRunExecutor, type Executor, type RunOutput, type RunResult, type RunSpec } from './executor'
export { LinuxSandboxExecutor, type LinuxSandboxOptions } from './linux-sandbox'
export { chainId } from './overlay-lowers'
export { DEFAULT_PATH } from './run-user'
export { RUNTIME_MOUNT_DIRS, RUNTIME_MOUNT_FILES, lowerDirProbe, setAsideRuntimeArtefacts, type ArtefactCandidate, type LowerInfo, type LowerProbe } from './runtime-artefacts'
export { SANDBOX_HOSTNAME } from './sandbox-args'
export { upperDirEntries, upperDirToLayer, type UpperLayerOptions } from './upper-layer'

/** The executor for this platform: the Linux sandbox (state beside the store's snapshots), else none. */
export function executorFor(store: Pick<Store, 'paths'>): Executor {
  return process.platform === 'linux' ? LinuxSandboxExecutor.forStore(store) : noRunExecutor
}
