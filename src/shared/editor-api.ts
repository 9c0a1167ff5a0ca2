import { hasKeys, hasOnlyKeys, isRecord, isText } from './guards'

/**
 * The editor calls of the contract: read and save the project's Dockerfile, and check a text
 * with the engine's own parser. Paths are checked again by the engine (inside the project).
 */

export interface DockerfileRef {
  /** Absolute path of the project folder. */
  dir: string
  /** The Dockerfile, relative to `dir` (or absolute, but inside it). */
  dockerfile: string
}

export interface SaveDockerfileArgs extends DockerfileRef {
  text: string
}

/** 1-based line and column, as the engine's parser counts them. */
export interface DiagnosticPosition {
  line: number
  column: number
}

export interface EditorDiagnostic {
  message: string
  severity: 'error' | 'warning'
  range: { start: DiagnosticPosition; end: DiagnosticPosition }
  /** The lint rule, for warnings that come from one. */
  rule?: string
}

/** The largest Dockerfile the editor reads or saves. */
export const maxDockerfileChars = 1024 * 1024

const isPath = (v: unknown): v is string => isText(v, 4096)
const isDockerfileText = (v: unknown): v is string => typeof v === 'string' && v.length <= maxDockerfileChars

export function isDockerfileRef(value: unknown): value is DockerfileRef {
  return isRecord(value) && hasKeys(value, ['dir', 'dockerfile']) && hasOnlyKeys(value, { dir: isPath, dockerfile: isPath })
}

export function isSaveDockerfileArgs(value: unknown): value is SaveDockerfileArgs {
  return (
    isRecord(value) &&
    hasKeys(value, ['dir', 'dockerfile', 'text']) &&
    hasOnlyKeys(value, { dir: isPath, dockerfile: isPath, text: isDockerfileText })
  )
}

export function isCheckDockerfileArgs(value: unknown): value is { text: string } {
  return isRecord(value) && hasKeys(value, ['text']) && hasOnlyKeys(value, { text: isDockerfileText })
}
