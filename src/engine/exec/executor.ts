import type { RootfsView } from '../rootfs'

/**
 * How RUN steps execute. The embedded engine hands each RUN to an Executor with the parent's
 * merged filesystem as the root; the executor returns the filesystem changes as a directory in
 * overlayfs upper-dir form, which `upperDirToLayer` (upper-layer.ts) turns into the step's layer.
 */
export interface RunSpec {
  /** argv as executed: the SHELL prefix plus the command, or the exec-form array. */
  args: string[]
  /** `KEY=value`, in order: image ENV then the ARGs in effect. PATH and HOME are added when missing, as runc does. */
  env: string[]
  /** WORKDIR in effect (absolute); created (root:root 0755) when missing, as runc does for BuildKit. */
  cwd: string
  /** As written in USER (name, uid, `uid:gid`, `name:group`); resolved against the image's /etc/passwd and /etc/group. */
  user: string
  network: 'none' | 'host'
  /** The parent's layers, merged (openRootfs / emptyRootfs): what the command sees under `/`. */
  rootfs: RootfsView
  /**
   * Heredoc files of the RUN, mounted read-only before it starts and never part of the layer
   * (BuildKit mounts a shebang heredoc at `/dev/pipes/<name>`, mode 0755).
   */
  inlineFiles: { path: string; content: string; mode?: number }[]
}

export interface RunResult {
  /** The command's exit status; 128 + n when it died of signal n. Non-zero is a normal result. */
  exitCode: number
  /** The changed files, in overlayfs upper-dir form (whiteouts as 0/0 character devices, opaque xattrs). */
  upperDir: string
  /** The read-only merged parent the command saw (shared, never modify): tells copy-ups from new paths. */
  lowerDir: string
  /**
   * Owner on disk that means root in the image: set when the run was unprivileged (a user
   * namespace maps the invoking user to root), so the layer's owners must be translated back.
   */
  hostRoot?: { uid: number; gid: number }
  /** Remove the upper dir and everything else of this run. Call once the layer is written. */
  dispose(): Promise<void>
}

export type RunOutput = (stream: 'stdout' | 'stderr', chunk: string) => void

export interface Executor {
  /** Why this machine cannot run RUN steps, or undefined when it can. Asked before a build starts. */
  unavailableReason(): string | undefined
  /**
   * Runs the command; resolves with its exit status, rejects only when the sandbox itself could
   * not be set up or the run was cancelled (an AbortError, after everything was cleaned away).
   */
  run(spec: RunSpec, output: RunOutput, signal: AbortSignal): Promise<RunResult>
}

/** The sandbox failed, not the command: a setup problem worth showing verbatim. */
export class SandboxError extends Error {
  override readonly name = 'SandboxError'
}

/**
 * The executor where no sandbox exists: it answers the planning question honestly so a
 * Dockerfile with RUN fails before anything is built, naming what does work there.
 */
export const noRunExecutor: Executor = {
  unavailableReason: () =>
    process.platform === 'linux'
      ? 'RUN steps are not supported by the embedded engine yet'
      : `RUN steps need Linux; on ${process.platform} build this Dockerfile with the Docker backend`,
  run: () => Promise.reject(new Error('RUN is not supported by this executor')),
}
