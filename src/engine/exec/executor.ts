/**
 * How RUN steps execute. The embedded engine hands each RUN to an Executor with the parent's
 * layers as the root filesystem; the executor returns the filesystem changes as a directory in
 * overlayfs upper-dir form, which the layers module turns into the step's layer.
 */
export interface RunSpec {
  /** argv as executed: the SHELL prefix plus the command, or the exec-form array. */
  args: string[]
  /** `KEY=value`, in order: image ENV then the ARGs in effect. */
  env: string[]
  cwd: string
  /** As written in USER (name, uid, `uid:gid`); resolved against the image's /etc/passwd. */
  user: string
  network: 'none' | 'host'
  /** Extracted layer directories, lowest first. */
  lowerDirs: string[]
  /** Heredoc files of the RUN, materialised before it starts. */
  inlineFiles: { path: string; content: string }[]
}

export interface RunResult {
  exitCode: number
  /** The changed files, in overlayfs upper-dir form (whiteouts as 0/0 character devices). */
  upperDir: string
}

export interface Executor {
  /** Why this machine cannot run RUN steps, or undefined when it can. Asked before a build starts. */
  unavailableReason(): string | undefined
  run(spec: RunSpec, output: (stream: 'stdout' | 'stderr', chunk: string) => void, signal: AbortSignal): Promise<RunResult>
}

/**
 * The executor until the Linux sandbox exists: it answers the planning question honestly so a
 * Dockerfile with RUN fails before anything is built, naming what does work today.
 */
export const noRunExecutor: Executor = {
  unavailableReason: () =>
    process.platform === 'linux'
      ? 'RUN steps are not supported by the embedded engine yet'
      : `RUN steps need Linux; on ${process.platform} build this Dockerfile with the Docker backend`,
  run: () => Promise.reject(new Error('RUN is not supported by this executor')),
}
