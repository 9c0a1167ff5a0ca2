/** What the engine says about itself and the machine it runs on. */
export interface EngineInfo {
  version: string
  platform: string // Node's process.platform: 'linux', 'darwin', 'win32', ...
  arch: string
  /** Whether this OS can run RUN steps in the embedded engine's sandbox. */
  run: { supported: boolean; detail: string }
  docker: DockerStatus
}

/** Where a daemon was looked for and why it did not answer there. */
export interface DaemonAttempt {
  host: string
  reason: string
}

export type DockerStatus =
  | { available: true; host: string; version: string; apiVersion: string; os: string; arch: string; tried?: DaemonAttempt[] }
  | { available: false; host: string; reason: string; tried?: DaemonAttempt[] }
