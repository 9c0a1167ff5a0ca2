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

export interface DiagnosticRange {
  start: DiagnosticPosition
  /** Exclusive. */
  end: DiagnosticPosition
}

/** Replace `range` of the checked text with `text` (an empty range inserts). */
export interface EditorTextEdit {
  range: DiagnosticRange
  text: string
}

/** A quick fix: edits to the Dockerfile, or a `.dockerignore` to create (see `createDockerignore`). */
export interface EditorFix {
  title: string
  edits: EditorTextEdit[]
  createFile?: { path: '.dockerignore'; text: string }
}

export interface EditorDiagnostic {
  message: string
  severity: 'error' | 'warning' | 'info'
  range: DiagnosticRange
  /** The lint rule, for warnings that come from one. */
  rule?: string
  /** What the rule is about, in one line (size and cache rules). */
  doc?: string
  /** What the finding measurably costs, from a build of the project (or the context itself). */
  cost?: { text: string; bytes?: number; buildId?: string }
  fixes?: EditorFix[]
}

/**
 * A text to check. With `dir` and `dockerfile`, the project's builds put numbers on the size and
 * cache findings (the newest succeeded build of that Dockerfile, or `buildId`) and the context is
 * checked for `.git` / `node_modules` without a `.dockerignore`.
 */
export interface CheckDockerfileArgs {
  text: string
  dir?: string
  dockerfile?: string
  buildId?: string
}

export interface CheckDockerfileResult {
  diagnostics: EditorDiagnostic[]
  /** The build the costs were measured from, when there was one. */
  costBuild?: { id: string; startedAt: string }
}

/** Creates the project's `.dockerignore` with these lines; refuses when one exists. */
export interface CreateDockerignoreArgs {
  dir: string
  text: string
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

const isBuildId = (v: unknown): v is string => typeof v === 'string' && /^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$/.test(v)

export function isCheckDockerfileArgs(value: unknown): value is CheckDockerfileArgs {
  return (
    isRecord(value) &&
    hasKeys(value, ['text']) &&
    hasOnlyKeys(value, { text: isDockerfileText, dir: isPath, dockerfile: isPath, buildId: isBuildId }) &&
    (value.dir === undefined) === (value.dockerfile === undefined)
  )
}

/** The largest .dockerignore the editor writes. */
const maxDockerignoreChars = 64 * 1024

export function isCreateDockerignoreArgs(value: unknown): value is CreateDockerignoreArgs {
  return (
    isRecord(value) &&
    hasKeys(value, ['dir', 'text']) &&
    hasOnlyKeys(value, { dir: isPath, text: (v: unknown): v is string => typeof v === 'string' && v.length <= maxDockerignoreChars })
  )
}
